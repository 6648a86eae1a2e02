import { DirectoryError, authenticateOperator, sameDn, type DirectoryAccount } from '../ldap/index.js';
import type { OperatorDirectory } from '../contract/methods/directory.js';
import type { ServiceKit } from './handler-kit.js';
import type { OperatorRow } from '../store/operator-repo.js';

/** What a directory login came to. */
export type DirectoryLoginResult =
  | { kind: 'ok'; operator: OperatorRow; rolesChanged: boolean }
  | { kind: 'rejected'; reason: string }
  | { kind: 'unavailable'; error: DirectoryError };

/** The bind password, opened from the secret store only for the moment it is used. */
export function bindPassword(kit: ServiceKit): string | undefined {
  const secret = kit.site.secrets.get('directory.bind-password');
  if (!secret) return undefined;
  const text = secret.value.toString('utf8');
  secret.value.fill(0);
  return text;
}

/** The role ids a directory account's groups map to (deduplicated, ascending). */
export function rolesForGroups(operators: OperatorDirectory, groups: readonly string[]): number[] {
  const ids = new Set<number>();
  for (const mapping of operators.groupRoles) {
    if (groups.some((g) => sameDn(g, mapping.groupDn))) for (const id of mapping.roleIds) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/**
 * Logs in through the directory: the account is looked up and its password checked by the directory,
 * its roles come from its groups at every login (a group left in the directory takes the role away at
 * the next login), and the operator row is created or refreshed to match. An account whose groups map
 * to no role is refused like a wrong password.
 */
export async function directoryLogin(
  kit: ServiceKit,
  username: string,
  password: string,
): Promise<DirectoryLoginResult> {
  const settings = kit.directory.get();
  const secret = bindPassword(kit);
  if (!settings.enabled || !settings.connection || !settings.operators || secret === undefined) {
    return { kind: 'rejected', reason: 'no directory configured' };
  }
  let account: DirectoryAccount;
  try {
    const r = await authenticateOperator(
      { connection: settings.connection, bindPassword: secret },
      settings.operators,
      username,
      password,
    );
    if (r.kind === 'rejected') return { kind: 'rejected', reason: `directory: ${r.reason}` };
    account = r.account;
  } catch (err) {
    if (err instanceof DirectoryError) return { kind: 'unavailable', error: err };
    throw err;
  }
  const roleIds = rolesForGroups(settings.operators, account.groups).filter((id) => kit.roles.byId(id));
  if (roleIds.length === 0) return { kind: 'rejected', reason: 'directory: no group maps to a role' };

  const externalId = account.entryUuid ?? account.dn;
  const now = kit.clock();
  return kit.site.db.transaction((): DirectoryLoginResult => {
    const existing = kit.operators.byExternalId(externalId) ?? kit.operators.byUsername(account.username);
    if (existing && existing.source !== 'ldap') {
      // A local operator of that name exists (checked first by the caller): never merge the two.
      return { kind: 'rejected', reason: 'directory: the username belongs to a local operator' };
    }
    if (!existing) {
      const id = kit.operators.create(
        {
          username: account.username,
          displayName: account.displayName || account.username,
          source: 'ldap',
          externalId,
          roleIds,
        },
        now,
      );
      return { kind: 'ok', operator: kit.operators.byId(id)!, rolesChanged: false };
    }
    if (existing.disabled_at) return { kind: 'rejected', reason: 'directory: the operator is disabled' };
    const before = kit.operators.roleIds(existing.id);
    const rolesChanged = before.join(',') !== roleIds.join(',');
    if (rolesChanged) kit.operators.setRoles(existing.id, roleIds);
    if (rolesChanged || existing.display_name !== account.displayName) {
      kit.operators.update(
        existing.id,
        existing.version,
        { displayName: account.displayName || existing.display_name, externalId },
        now,
      );
    }
    return { kind: 'ok', operator: kit.operators.byId(existing.id)!, rolesChanged };
  })();
}
