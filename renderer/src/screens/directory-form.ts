import type { DirectorySettings } from '../../../app/contract/methods/directory.js';
import type { ParamsOf } from '../../../app/contract/index.js';

/** One group → roles row of the form; `key` keeps React rows stable while rows are added and removed. */
export interface MappingRow {
  key: number;
  groupDn: string;
  roleIds: number[];
}

/** The directory settings as the form edits them: flat, and numbers as typed. */
export interface DirectoryDraft {
  enabled: boolean;
  url: string;
  startTls: boolean;
  allowPlain: boolean;
  caCertificate: string;
  bindDn: string;
  /** Empty keeps the stored one: the service never sends it back. */
  bindPassword: string;
  timeoutSeconds: string;
  userBase: string;
  userFilter: string;
  displayNameAttribute: string;
  groupsKind: 'memberOf' | 'search';
  memberOfAttribute: string;
  groupBase: string;
  groupFilter: string;
  mappings: MappingRow[];
}

/** The contract's defaults, shown in a form that has never been saved. */
const DEFAULT_USER_FILTER = '(&(objectClass=inetOrgPerson)(uid={username}))';
const DEFAULT_GROUP_FILTER = '(&(objectClass=groupOfNames)(member={dn}))';

let nextKey = 1;
/** A fresh mapping row. */
export function newMapping(groupDn = '', roleIds: number[] = []): MappingRow {
  return { key: nextKey++, groupDn, roleIds };
}

/** Fills the form from what is stored. */
export function draftFromSettings(s: DirectorySettings): DirectoryDraft {
  const c = s.connection;
  const o = s.operators;
  const groups = o?.groups;
  return {
    enabled: s.enabled,
    url: c?.url ?? '',
    startTls: c?.startTls ?? false,
    allowPlain: c?.allowPlain ?? false,
    caCertificate: c?.caCertificate ?? '',
    bindDn: c?.bindDn ?? '',
    bindPassword: '',
    timeoutSeconds: String(c?.timeoutSeconds ?? 10),
    userBase: o?.userBase ?? '',
    userFilter: o?.userFilter ?? DEFAULT_USER_FILTER,
    displayNameAttribute: o?.displayNameAttribute ?? 'cn',
    groupsKind: groups?.kind ?? 'memberOf',
    memberOfAttribute: groups?.kind === 'memberOf' ? groups.attribute : 'memberOf',
    groupBase: groups?.kind === 'search' ? groups.groupBase : '',
    groupFilter: groups?.kind === 'search' ? groups.groupFilter : DEFAULT_GROUP_FILTER,
    mappings: (o?.groupRoles ?? []).map((m) => newMapping(m.groupDn, [...m.roleIds])),
  };
}

type UpdateParams = ParamsOf<'directory.update'>;

/** How to reach the directory, as the contract takes it (the service checks every field). */
export function connectionOf(d: DirectoryDraft): UpdateParams['connection'] {
  const timeout = Number(d.timeoutSeconds.trim());
  return {
    url: d.url,
    startTls: d.startTls,
    allowPlain: d.allowPlain,
    ...(d.caCertificate.trim() ? { caCertificate: d.caCertificate } : {}),
    bindDn: d.bindDn,
    // Sent even when not a number, so the service names the field in its answer.
    timeoutSeconds: d.timeoutSeconds.trim() === '' ? 10 : timeout,
  };
}

/** How operators are found and mapped, as the contract takes it. */
export function operatorsOf(d: DirectoryDraft): UpdateParams['operators'] {
  return {
    userBase: d.userBase,
    userFilter: d.userFilter,
    displayNameAttribute: d.displayNameAttribute,
    groups:
      d.groupsKind === 'memberOf'
        ? { kind: 'memberOf', attribute: d.memberOfAttribute }
        : { kind: 'search', groupBase: d.groupBase, groupFilter: d.groupFilter },
    groupRoles: d.mappings.map((m) => ({ groupDn: m.groupDn, roleIds: m.roleIds })),
  };
}

/** The bind password to send: only a newly typed one. */
export function bindPasswordOf(d: DirectoryDraft): { bindPassword?: string } {
  return d.bindPassword ? { bindPassword: d.bindPassword } : {};
}

/** The contract paths of the form's fields, to put the service's complaints beside them. */
export const directoryFieldPaths = [
  'connection.url',
  'connection.startTls',
  'connection.allowPlain',
  'connection.caCertificate',
  'connection.bindDn',
  'connection.timeoutSeconds',
  'bindPassword',
  'operators.userBase',
  'operators.userFilter',
  'operators.displayNameAttribute',
  'operators.groups.attribute',
  'operators.groups.groupBase',
  'operators.groups.groupFilter',
  'operators.groupRoles',
  'probeUsername',
] as const;

/** One field path of the directory form. */
export type DirectoryFieldPath = (typeof directoryFieldPaths)[number];

/** The contract path of each text field of the draft, where the service's complaint about it comes from. */
export const textFieldPaths = {
  url: 'connection.url',
  caCertificate: 'connection.caCertificate',
  bindDn: 'connection.bindDn',
  bindPassword: 'bindPassword',
  timeoutSeconds: 'connection.timeoutSeconds',
  userBase: 'operators.userBase',
  userFilter: 'operators.userFilter',
  displayNameAttribute: 'operators.displayNameAttribute',
  memberOfAttribute: 'operators.groups.attribute',
  groupBase: 'operators.groups.groupBase',
  groupFilter: 'operators.groups.groupFilter',
} as const satisfies Partial<Record<keyof DirectoryDraft, DirectoryFieldPath>>;
