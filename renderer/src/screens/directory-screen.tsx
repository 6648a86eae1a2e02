import { useEffect, useState, type FormEvent } from 'react';
import type { DirectorySettings, DirectoryTestReport } from '../../../app/contract/methods/directory.js';
import type { Role } from '../../../app/contract/methods/operators.js';
import { ErrorAlert, Notice } from '../components/alert.js';
import { Check } from '../components/check.js';
import { DataTable } from '../components/data-table.js';
import { Field, TextAreaField } from '../components/field.js';
import { RadioGroup } from '../components/radio-group.js';
import { RolePicker } from '../components/role-picker.js';
import { directoryStageWords, isRpcError } from '../error-text.js';
import { formatTime } from '../format.js';
import { placeIssues, type FieldErrors } from '../param-issues.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import {
  bindPasswordOf,
  connectionOf,
  directoryFieldPaths,
  draftFromSettings,
  newMapping,
  operatorsOf,
  textFieldPaths,
  type DirectoryDraft,
  type MappingRow,
} from './directory-form.js';

/** The stage-by-stage result of a connection test, the failed stage marked in words, not colour alone. */
function TestReport({ report }: { report: DirectoryTestReport }) {
  const failed = report.failedStage ? directoryStageWords[report.failedStage] : undefined;
  return (
    <>
      {report.ok ? (
        <Notice>The directory answered at every step.</Notice>
      ) : (
        <ErrorAlert>
          The test failed{failed ? ` at ${failed}` : ''}. The failed step below says why; fix the settings and
          test again.
        </ErrorAlert>
      )}
      <DataTable
        className="steps"
        caption="Connection test, step by step"
        columns={['Step', 'Result', 'Time', 'Details']}
      >
        {report.steps.map((s, i) => (
          <tr key={`${s.stage}-${i}`} className={s.ok ? undefined : 'failed'}>
            <th scope="row">
              <code>{s.stage}</code> {directoryStageWords[s.stage]}
            </th>
            <td>{s.ok ? 'OK' : <strong>Failed</strong>}</td>
            <td className="num">{Math.round(s.ms)} ms</td>
            <td>{s.message}</td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}

/**
 * LDAP / Active Directory settings for operator login: the connection, where accounts are found, and
 * which groups give which roles. Tested with the form's values before saving, so a typo never locks
 * directory operators out.
 */
export function DirectoryScreen({ can, failure }: SectionProps) {
  const [stored, setStored] = useState<DirectorySettings>();
  const [draft, setDraft] = useState<DirectoryDraft>();
  const [roles, setRoles] = useState<Role[]>([]);
  const [probe, setProbe] = useState('');
  const [errors, setErrors] = useState<FieldErrors<string>>({});
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [report, setReport] = useState<DirectoryTestReport>();
  const [busy, setBusy] = useState<'save' | 'test'>();
  const readsRoles = can('operators:read');

  useEffect(() => {
    let live = true;
    Promise.all([call('directory.get', {}), readsRoles ? call('roles.list', {}) : Promise.resolve([])]).then(
      ([settings, list]) => {
        if (!live) return;
        setStored(settings);
        setDraft(draftFromSettings(settings));
        setRoles(list);
      },
      (err: unknown) => {
        if (live) setError(failure(err));
      },
    );
    return () => {
      live = false;
    };
  }, [failure, readsRoles]);

  if (!draft || !stored) return error ? <ErrorAlert>{error}</ErrorAlert> : <p role="status">Loading…</p>;

  const set =
    <K extends keyof DirectoryDraft>(key: K) =>
    (value: DirectoryDraft[K]) =>
      setDraft((d) => d && { ...d, [key]: value });
  /** Binds a text field to the draft: its value, its setter, and the service's complaint about it. */
  const bind = (key: keyof typeof textFieldPaths) => ({
    value: draft[key],
    onChange: set(key),
    error: errors[textFieldPaths[key]],
  });
  const setMapping = (key: number, change: Partial<MappingRow>) =>
    setDraft(
      (d) => d && { ...d, mappings: d.mappings.map((m) => (m.key === key ? { ...m, ...change } : m)) },
    );
  const fieldPaths = [
    ...directoryFieldPaths,
    ...draft.mappings.flatMap((_, i) => [
      `operators.groupRoles.${i}.groupDn`,
      `operators.groupRoles.${i}.roleIds`,
    ]),
  ];

  /** Puts the service's complaints beside the fields; true when it was that kind of error. */
  function placed(err: unknown): boolean {
    const issues = placeIssues(err, fieldPaths);
    if (!issues) return false;
    setErrors(issues.fields);
    setError(issues.rest ?? 'Some settings are not valid: see the marked fields.');
    return true;
  }

  function begin(kind: 'save' | 'test') {
    setBusy(kind);
    setErrors({});
    setError(undefined);
    setNotice(undefined);
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!draft || !stored) return;
    begin('save');
    try {
      const saved = await call('directory.update', {
        version: stored.version,
        enabled: draft.enabled,
        connection: connectionOf(draft),
        ...bindPasswordOf(draft),
        operators: operatorsOf(draft),
      });
      setStored(saved);
      setDraft(draftFromSettings(saved));
      setNotice(
        saved.enabled
          ? 'Directory settings saved. Directory operators can log in with them now.'
          : 'Directory settings saved. Directory login is off.',
      );
    } catch (err) {
      if (isRpcError(err, 'CONFLICT') && typeof err.data.currentVersion === 'number') {
        // The form keeps what was typed; the next save is made knowingly over the other change.
        try {
          setStored(await call('directory.get', {}));
          setError(
            'Someone else saved the directory settings while you were editing, so yours were not saved. ' +
              'Check the form and save again to replace theirs.',
          );
        } catch (reloadErr) {
          setError(failure(reloadErr));
        }
      } else if (!placed(err)) {
        setError(failure(err));
      }
    } finally {
      setBusy(undefined);
    }
  }

  async function test() {
    if (!draft) return;
    begin('test');
    setReport(undefined);
    try {
      setReport(
        await call('directory.testConnection', {
          connection: connectionOf(draft),
          ...bindPasswordOf(draft),
          // Without a user base there is nothing to search: the test stops after the bind.
          ...(draft.userBase.trim() ? { operators: operatorsOf(draft) } : {}),
          ...(probe.trim() ? { probeUsername: probe } : {}),
        }),
      );
    } catch (err) {
      if (!placed(err)) setError(failure(err));
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <>
      <form onSubmit={save} noValidate aria-busy={busy !== undefined} aria-label="Directory settings">
        <p className="hint intro">
          Operators not found locally log in with their directory account; their directory groups give them
          roles. Local operators can always log in, even when the directory is down.
          {stored.updatedAt ? ` Last saved ${formatTime(stored.updatedAt)}.` : ' Not saved yet.'}
        </p>
        {error ? <ErrorAlert>{error}</ErrorAlert> : null}
        {notice ? <Notice>{notice}</Notice> : null}

        <Check
          label="Directory login enabled"
          checked={draft.enabled}
          onChange={set('enabled')}
          hint="When off, the settings are kept but only local operators can log in."
        />

        <h2>Connection</h2>
        <Field
          label="Server URL"
          {...bind('url')}
          placeholder="ldaps://ldap.example.org"
          hint="ldaps://host[:port], or ldap://host[:port] with StartTLS."
          required
        />
        <Check
          label="Use StartTLS"
          checked={draft.startTls}
          onChange={set('startTls')}
          hint="Upgrades an ldap:// connection to TLS. Not for ldaps://, which is TLS already."
        />
        {errors['connection.startTls'] ? (
          <p className="field-error">{errors['connection.startTls']}</p>
        ) : null}
        <Check
          label="Allow an unencrypted connection"
          checked={draft.allowPlain}
          onChange={set('allowPlain')}
          hint="ldap:// without StartTLS. Only for a test directory."
        />
        {draft.allowPlain ? (
          <p className="warning" role="note">
            Warning: without TLS, operators’ passwords and the service account’s password cross the network in
            clear. Use this only with a test directory, never in production.
          </p>
        ) : null}
        <TextAreaField
          label="CA certificate (PEM)"
          {...bind('caCertificate')}
          rows={5}
          placeholder="-----BEGIN CERTIFICATE-----"
          hint="The certificate authority that signed the directory's certificate; the system's trusted ones if empty."
        />
        <Field
          label="Bind DN"
          {...bind('bindDn')}
          placeholder="cn=lintel,ou=services,dc=example,dc=org"
          hint="The service account Lintel logs in as to look operators up."
          required
        />
        <Field
          label="Bind password"
          type="password"
          {...bind('bindPassword')}
          autoComplete="new-password"
          placeholder={stored.bindPasswordSet ? 'stored — leave empty to keep' : ''}
          hint={
            stored.bindPasswordSet
              ? 'A password is stored; Lintel never shows it. Type one only to replace it.'
              : 'No password is stored yet.'
          }
        />
        <Field
          label="Timeout (seconds)"
          type="number"
          {...bind('timeoutSeconds')}
          hint="1 to 60, for each step."
          required
        />

        <h2>Operator accounts</h2>
        <Field
          label="User base"
          {...bind('userBase')}
          placeholder="ou=people,dc=example,dc=org"
          hint="Where operator accounts live."
          required
        />
        <Field
          label="User filter"
          {...bind('userFilter')}
          hint="Must find exactly one account; {username} is replaced by the typed username, escaped."
          required
        />
        <Field
          label="Display name attribute"
          {...bind('displayNameAttribute')}
          hint="Such as cn or displayName."
          required
        />

        <h2>Groups and roles</h2>
        <RadioGroup
          legend="How to find an operator's groups"
          value={draft.groupsKind}
          onChange={set('groupsKind')}
          options={[
            {
              value: 'memberOf',
              label: 'Read an attribute of the account',
              hint: 'Active Directory, or OpenLDAP with the memberof overlay.',
            },
            { value: 'search', label: 'Search for groups that list the account' },
          ]}
        />
        <div className="indent">
          {draft.groupsKind === 'memberOf' ? (
            <Field label="Group attribute" {...bind('memberOfAttribute')} required />
          ) : (
            <>
              <Field
                label="Group base"
                {...bind('groupBase')}
                placeholder="ou=groups,dc=example,dc=org"
                required
              />
              <Field
                label="Group filter"
                {...bind('groupFilter')}
                hint="{dn} is replaced by the account's DN, escaped."
                required
              />
            </>
          )}
        </div>

        <h3>Group → roles</h3>
        {errors['operators.groupRoles'] ? <ErrorAlert>{errors['operators.groupRoles']}</ErrorAlert> : null}
        {draft.mappings.length === 0 ? (
          <p className="hint">No mappings: directory operators get no role and cannot log in.</p>
        ) : null}
        {draft.mappings.map((m, i) => (
          <fieldset key={m.key} className="mapping">
            <legend>Mapping {i + 1}</legend>
            <Field
              label="Group DN"
              value={m.groupDn}
              onChange={(groupDn) => setMapping(m.key, { groupDn })}
              placeholder="cn=lintel-admins,ou=groups,dc=example,dc=org"
              error={errors[`operators.groupRoles.${i}.groupDn`]}
              required
            />
            <RolePicker
              legend="Roles given to its members"
              roles={roles}
              selected={m.roleIds}
              onChange={(roleIds) => setMapping(m.key, { roleIds })}
              can={can}
              error={errors[`operators.groupRoles.${i}.roleIds`]}
              hint={
                readsRoles
                  ? undefined
                  : 'Your roles do not include seeing roles, so they cannot be listed here.'
              }
            />
            <button
              type="button"
              className="secondary small"
              onClick={() =>
                setDraft((d) => d && { ...d, mappings: d.mappings.filter((x) => x.key !== m.key) })
              }
            >
              Remove mapping {i + 1}
            </button>
          </fieldset>
        ))}
        <button
          type="button"
          className="secondary"
          onClick={() => setDraft((d) => d && { ...d, mappings: [...d.mappings, newMapping()] })}
        >
          Add a mapping
        </button>

        <h2>Test and save</h2>
        <Field
          label="Probe username"
          value={probe}
          onChange={setProbe}
          autoComplete="off"
          hint="Also look this account up and read its groups during the test."
          error={errors.probeUsername}
        />
        <div className="buttons">
          <button type="button" className="secondary" onClick={test} disabled={busy !== undefined}>
            {busy === 'test' ? 'Testing…' : 'Test connection'}
          </button>
          <button type="submit" disabled={busy !== undefined}>
            {busy === 'save' ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
      {/* Outside the form, so the report may use the screen's full width. */}
      <div aria-live="polite">{report ? <TestReport report={report} /> : null}</div>
    </>
  );
}
