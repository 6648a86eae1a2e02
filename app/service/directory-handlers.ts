import type { DirectorySettings } from '../contract/methods/directory.js';
import { testDirectoryConnection } from '../ldap/index.js';
import { RpcError } from '../rpc/rpc-error.js';
import { Grants } from './grants.js';
import { bindPassword } from './directory-login.js';
import { stale, type HandlerGroup, type ServiceKit } from './handler-kit.js';

/** The LDAP / Active Directory settings: read, save, and test before (or after) saving. */
export function directoryHandlers(
  kit: ServiceKit,
): HandlerGroup<'directory.get' | 'directory.update' | 'directory.testConnection'> {
  const view = (): DirectorySettings => {
    const d = kit.directory.get();
    return { ...d, bindPasswordSet: kit.site.secrets.get('directory.bind-password') !== undefined };
  };

  return {
    'directory.get': view,

    'directory.update': (p, ctx) => {
      ctx.audit!.target = 'directory';
      const mapped = [...new Set(p.operators.groupRoles.flatMap((g) => g.roleIds))];
      const roles = kit.roles.byIds(mapped);
      const unknown = mapped.filter((id) => !roles.some((r) => r.id === id));
      if (unknown.length) throw new RpcError('NOT_FOUND', `No role ${unknown.join(', ')}: reload the roles`);
      // Mapping a group to a role grants that role to everyone in the group.
      const missing = ctx.caller!.grants.missing(Grants.of(roles));
      if (missing.length)
        throw new RpcError(
          'FORBIDDEN',
          `The group mapping would grant more than you hold (${missing.join(', ')})`,
          { permissions: missing },
        );
      kit.site.db.transaction(() => {
        const before = kit.directory.get();
        const hasPassword = p.bindPassword !== undefined || bindPassword(kit) !== undefined;
        if (p.enabled && !hasPassword)
          throw new RpcError('INVALID_PARAMS', 'Give the bind password: none is stored yet', {
            issues: [{ path: 'bindPassword', message: 'required the first time' }],
          });
        const now = kit.clock();
        if (!kit.directory.save(p, p.version, now))
          throw stale('directory settings', p.version, before.version);
        if (p.bindPassword !== undefined)
          kit.site.secrets.replace('directory.bind-password', 1, Buffer.from(p.bindPassword, 'utf8'), now);
        kit.record(ctx, {
          action: 'directory.update',
          target: 'directory',
          detail: {
            enabled: p.enabled,
            url: p.connection.url,
            bindDn: p.connection.bindDn,
            bindPasswordChanged: p.bindPassword !== undefined,
            groupRoles: p.operators.groupRoles.length,
          },
        });
      })();
      return view();
    },

    'directory.testConnection': async (p) => {
      const saved = kit.directory.get();
      const connection = p.connection ?? saved.connection;
      const operators = p.operators ?? (p.connection ? undefined : saved.operators) ?? undefined;
      const secret = p.bindPassword ?? bindPassword(kit);
      if (!connection || secret === undefined) {
        return {
          ok: false,
          failedStage: 'config' as const,
          steps: [
            {
              stage: 'config' as const,
              ok: false,
              ms: 0,
              message: !connection
                ? 'No directory is configured: fill in the connection settings'
                : 'No bind password is stored: type it in',
            },
          ],
        };
      }
      return testDirectoryConnection({ connection, bindPassword: secret }, operators, p.probeUsername);
    },
  };
}
