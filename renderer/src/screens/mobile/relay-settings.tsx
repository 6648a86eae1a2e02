// The contract's schemas run here: zod must be told first not to compile them (console CSP).
import '../../zod-config.js';
import { Badge, Button, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { mobileMethods } from '../../../../app/contract/methods/mobile.js';
import { ErrorAlert, Notice } from '../../components/alert.js';
import { FormFrame } from '../../forms/form-frame.js';
import { asSentence, issueList, placeIssues } from '../../forms/form-words.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { useFormatTime } from '../../site-time.js';
import { saidOf } from '../events/said-failure.js';
import { pairedFingerprint } from './invite-dialog.js';
import { RELAY_KEY, useRelay, type Relay } from './use-mobile.js';

/** What mobile.relay.set accepts, field by field: the form refuses what the Service would. */
const RELAY_FIELDS = mobileMethods['mobile.relay.set'].params.shape;
type Field = keyof typeof RELAY_FIELDS;
const FIELDS: readonly Field[] = ['url', 'fingerprint', 'secret'];

/** The relay's address, fingerprint and secret; saving makes the Service call it to check. */
function RelayForm({
  relay,
  failure,
  onSaved,
  onClose,
}: {
  relay: Relay | undefined;
  failure: (err: unknown) => string | undefined;
  onSaved: (relay: Relay) => void;
  onClose: () => void;
}) {
  const { t } = useT('mobile');
  const [values, setValues] = useState<Record<Field, string>>({
    url: relay?.url ?? '',
    fingerprint: relay?.fingerprint ? pairedFingerprint(relay.fingerprint) : '',
    // Never shown again once saved: a change of relay types it anew.
    secret: '',
  });
  const [checked, setChecked] = useState(false);
  const [refused, setRefused] = useState<Partial<Record<Field, string>>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const wrong = (f: Field) => !RELAY_FIELDS[f].safeParse(values[f]).success;
  const said = (f: Field) => (checked && wrong(f) ? t(`relay.errors.${f}`) : refused[f]);
  // The value is read now: React clears the event's currentTarget once the handler returns.
  const set = (f: Field) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value;
    setValues((v) => ({ ...v, [f]: value }));
  };

  const submit = async () => {
    setChecked(true);
    setRefused({});
    if (FIELDS.some(wrong)) return;
    setBusy(true);
    setError(undefined);
    try {
      onSaved(
        await call('mobile.relay.set', {
          url: values.url.trim(),
          fingerprint: values.fingerprint,
          secret: values.secret,
        }),
      );
    } catch (err) {
      const placed = placeIssues(err, FIELDS);
      if (placed) {
        setRefused(Object.fromEntries(placed.fields.map(([f, m]) => [f, asSentence(m)])));
        if (placed.rest.length) setError(issueList(placed.rest));
      } else setError(failure(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <FormFrame
      title={t('relay.formTitle')}
      submitLabel={t('relay.save')}
      busy={busy}
      error={error}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      onClose={onClose}
    >
      <TextInput
        label={t('relay.urlLabel')}
        description={t('relay.urlHint')}
        value={values.url}
        onChange={set('url')}
        placeholder="https://relay.example.com:8443"
        autoComplete="off"
        spellCheck={false}
        error={said('url')}
        errorProps={{ role: 'alert' }}
        maw="32rem"
      />
      <TextInput
        label={t('relay.fingerprintLabel')}
        description={t('relay.fingerprintHint')}
        value={values.fingerprint}
        onChange={set('fingerprint')}
        autoComplete="off"
        spellCheck={false}
        error={said('fingerprint')}
        errorProps={{ role: 'alert' }}
        maw="40rem"
      />
      <PasswordInput
        label={t('relay.secretLabel')}
        description={t('relay.secretHint')}
        value={values.secret}
        onChange={set('secret')}
        autoComplete="off"
        error={said('secret')}
        errorProps={{ role: 'alert' }}
        maw="32rem"
      />
    </FormFrame>
  );
}

/**
 * The relay the Service sends mobile keys through (site:read): whether it is set up and answering,
 * its URL and certificate fingerprint, when it last answered and why it last failed. Administrators
 * (settings:admin) set it up or change it.
 */
export function RelaySettings({
  canAdmin,
  failure,
}: {
  canAdmin: boolean;
  failure: (err: unknown) => string | undefined;
}) {
  const { t } = useT('mobile');
  const formatTime = useFormatTime();
  const queryClient = useQueryClient();
  const heading = useId();
  const relay = useRelay(failure);
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<string>();
  const r = relay.data;
  const state = !r ? undefined : !r.configured ? 'notConfigured' : r.lastError ? 'failing' : 'ok';
  const colour = { notConfigured: 'yellow', failing: 'red', ok: 'green' } as const;

  return (
    <Paper component="section" withBorder p="md" aria-labelledby={heading}>
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h3" id={heading}>
          {t('relay.title')}
        </Title>
        {canAdmin && r && !editing ? (
          <Button
            variant="default"
            size="compact-sm"
            onClick={() => {
              setNotice(undefined);
              setEditing(true);
            }}
          >
            {r.configured ? t('relay.change') : t('relay.edit')}
          </Button>
        ) : null}
      </Group>
      <Text size="sm" className="mobile-muted" mb="sm">
        {t('relay.hint')}
      </Text>
      <Stack gap="sm">
        <ErrorAlert>{saidOf(relay.error)}</ErrorAlert>
        <Notice>{notice}</Notice>
        {editing ? (
          <RelayForm
            relay={r}
            failure={failure}
            onClose={() => setEditing(false)}
            onSaved={(saved) => {
              queryClient.setQueryData(RELAY_KEY, saved);
              setEditing(false);
              setNotice(t('relay.saved'));
            }}
          />
        ) : null}
        {r && state ? (
          <dl className="mobile-facts">
            <dt>{t('relay.status')}</dt>
            <dd>
              {/* A dot in the state's colour beside words in the text colour (light badges fail contrast). */}
              <Badge color={colour[state]} variant="dot">
                {t(`relay.${state}`)}
              </Badge>
            </dd>
            {r.configured ? (
              <>
                <dt>{t('relay.url')}</dt>
                <dd>{r.url}</dd>
                <dt>{t('relay.fingerprint')}</dt>
                <dd>
                  <code className="mobile-fingerprint">
                    {r.fingerprint ? pairedFingerprint(r.fingerprint) : '—'}
                  </code>
                </dd>
                <dt>{t('relay.lastContact')}</dt>
                <dd>{r.lastContactAt ? formatTime(r.lastContactAt) : t('relay.never')}</dd>
              </>
            ) : null}
            {r.lastError ? (
              <>
                <dt>{t('relay.lastError')}</dt>
                <dd className="mobile-warning">
                  {t('relay.lastErrorAt', { error: r.lastError, time: formatTime(r.lastErrorAt) })}
                </dd>
              </>
            ) : null}
          </dl>
        ) : null}
      </Stack>
    </Paper>
  );
}
