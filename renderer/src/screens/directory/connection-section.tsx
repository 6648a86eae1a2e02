import { Alert, Stack, Title } from '@mantine/core';
import { useWatch } from 'react-hook-form';
import { useT } from '../../i18n/i18n.js';
import type { DirectoryDraft } from '../directory-form.js';
import { CheckField, TextField } from './fields.js';

/**
 * How to reach the directory: URL, TLS, the service account. The bind password is never shown: the
 * field starts empty and says whether one is stored, and empty keeps it.
 */
export function ConnectionSection({ passwordStored }: { passwordStored: boolean }) {
  const { t } = useT('directory');
  const allowPlain = useWatch<DirectoryDraft, 'connection.allowPlain'>({ name: 'connection.allowPlain' });
  return (
    <Stack gap="sm">
      <Title order={2} size="h3">
        {t('connection.heading')}
      </Title>
      <TextField
        name="connection.url"
        label={t('connection.url')}
        hint={t('connection.urlHint')}
        placeholder="ldaps://ldap.example.org"
        required
      />
      <CheckField
        name="connection.startTls"
        label={t('connection.startTls')}
        hint={t('connection.startTlsHint')}
      />
      <CheckField
        name="connection.allowPlain"
        label={t('connection.allowPlain')}
        hint={t('connection.allowPlainHint')}
      />
      {allowPlain ? (
        <Alert role="note" color="yellow" className="dir-warning">
          {t('connection.plainWarning')}
        </Alert>
      ) : null}
      <TextField
        name="connection.caCertificate"
        kind="pem"
        label={t('connection.ca')}
        hint={t('connection.caHint')}
        placeholder="-----BEGIN CERTIFICATE-----"
      />
      <TextField
        name="connection.bindDn"
        label={t('connection.bindDn')}
        hint={t('connection.bindDnHint')}
        placeholder="cn=lintel,ou=services,dc=example,dc=org"
        required
      />
      <TextField
        name="bindPassword"
        kind="password"
        autoComplete="new-password"
        label={t('connection.bindPassword')}
        placeholder={passwordStored ? t('connection.bindPasswordKept') : undefined}
        hint={passwordStored ? t('connection.bindPasswordStored') : t('connection.bindPasswordNone')}
      />
      <TextField
        name="connection.timeoutSeconds"
        kind="number"
        label={t('connection.timeout')}
        hint={t('connection.timeoutHint')}
        required
      />
    </Stack>
  );
}
