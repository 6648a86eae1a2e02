import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Key, User } from '../../../app/contract/methods/users.js';
import { ErrorAlert, Notice } from '../components/alert.js';
import { useConfirm } from '../components/confirm-dialog.js';
import { DataTable, RowButton } from '../components/data-table.js';
import { Field } from '../components/field.js';
import { Panel } from '../components/panel.js';
import { formatTime, plural } from '../format.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useFormSend } from '../use-form-send.js';
import { useLatest } from '../use-latest.js';

const keyStatus: Record<Key['status'], string> = {
  issued: 'Issued',
  'needs-update': 'Needs update',
  cancelled: 'Cancelled',
  expired: 'Expired',
};

/** The keys of one user: issue one by its UID, cancel one (it goes on the blacklist) after confirmation. */
export function UserKeys({
  user,
  can,
  failure,
  onChanged,
  onClose,
}: Pick<SectionProps, 'can' | 'failure'> & {
  user: User;
  /** A key was issued or cancelled (the list's key counts and the blacklist changed). */
  onChanged: () => void;
  onClose: () => void;
}) {
  const encode = can('keys:encode');
  const name = `${user.firstName} ${user.lastName}`.trim();
  const [keys, setKeys] = useState<Key[]>();
  const [uid, setUid] = useState('');
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  const [dialog, confirm] = useConfirm();
  const { errors, setErrors, formError, setFormError, busy, send } = useFormSend<'uid'>(failure);
  const latest = useLatest();

  const load = useCallback(
    () =>
      latest.read(
        () => call('users.get', { id: user.id }),
        (u) => setKeys(u.keys),
        (err) => setError(failure(err)),
      ),
    [failure, latest, user.id],
  );

  useEffect(() => {
    void load();
  }, [load]);

  async function issue(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    setNotice(undefined);
    const text = uid.replace(/[\s:-]/g, '').toUpperCase();
    if (!/^(?:[0-9A-F]{8}|[0-9A-F]{14})$/.test(text)) {
      setErrors({ uid: 'Type the card’s UID: 8 or 14 hexadecimal digits, such as 04A2B3C4D5E6F7.' });
      return;
    }
    setErrors({});
    await send(
      async () => {
        const key = await call('keys.issue', { userId: user.id, uid: text });
        setUid('');
        setNotice(`Key ${key.uid} issued to ${name}.`);
        onChanged();
        void load();
      },
      { fields: ['uid'] },
    );
  }

  async function cancel(key: Key) {
    const yes = await confirm({
      title: `Cancel the key ${key.uid}?`,
      message: (
        <p>
          The key goes on the blacklist and stops opening doors as each door learns of it. This cannot be
          undone: a cancelled card must be issued again as a new key.
        </p>
      ),
      confirmLabel: 'Cancel key',
      danger: true,
    });
    if (!yes) return;
    setError(undefined);
    setNotice(undefined);
    try {
      await call('keys.cancel', { id: key.id, version: key.version });
      setNotice(`Key ${key.uid} cancelled and blacklisted.`);
      onChanged();
    } catch (err) {
      setError(failure(err));
    } finally {
      void load();
    }
  }

  return (
    <Panel title={`Keys of ${name}`} onClose={onClose}>
      {dialog}
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
      {notice ? <Notice>{notice}</Notice> : null}
      {keys ? (
        <DataTable
          caption={plural(keys.length, 'key')}
          columns={['UID', 'Status', 'Issued', 'Expires']}
          actions={encode}
        >
          {keys.map((k) => (
            <tr key={k.id}>
              <th scope="row">
                <code>{k.uid}</code>
              </th>
              <td>{keyStatus[k.status]}</td>
              <td>{formatTime(k.issuedAt)}</td>
              <td>{formatTime(k.expiresAt)}</td>
              {encode ? (
                <td className="actions">
                  {k.status === 'issued' || k.status === 'needs-update' ? (
                    <RowButton of={`key ${k.uid}`} danger onClick={() => cancel(k)}>
                      Cancel
                    </RowButton>
                  ) : null}
                </td>
              ) : null}
            </tr>
          ))}
        </DataTable>
      ) : null}
      {encode ? (
        <form onSubmit={issue} noValidate aria-busy={busy} aria-label={`Issue a key to ${name}`}>
          {formError ? <ErrorAlert>{formError}</ErrorAlert> : null}
          <Field
            label="Card UID"
            value={uid}
            onChange={setUid}
            autoComplete="off"
            hint="8 or 14 hexadecimal digits, as the reader shows them."
            error={errors.uid}
            required
          />
          <button type="submit" disabled={busy}>
            {busy ? 'Issuing…' : 'Issue key'}
          </button>
        </form>
      ) : null}
    </Panel>
  );
}
