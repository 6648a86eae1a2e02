import { Alert, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { SectionProps } from '../section.js';
import { useT } from '../i18n/i18n.js';
import { rolesQuery, settingsQuery } from './directory/queries.js';
import { DirectorySettingsForm } from './directory/settings-form.js';

/**
 * The words of each failed read, worded once as it fails (not while rendering: `failure` may leave
 * the console when the session has ended, and then has no words).
 */
const readFailures = new WeakMap<object, string | undefined>();

/**
 * LDAP / Active Directory settings for operator login: the connection, where accounts are found, and
 * which groups give which roles. Tested with the form's values before saving, so a typo never locks
 * directory operators out.
 */
export function DirectoryScreen({ can, failure }: SectionProps) {
  const { t } = useT('directory');
  const readsRoles = can('operators:read');
  const worded = <T,>(read: Promise<T>) =>
    read.catch((err: unknown) => {
      if (typeof err === 'object' && err !== null) readFailures.set(err, failure(err));
      throw err;
    });
  const settings = useQuery({ ...settingsQuery, queryFn: () => worded(settingsQuery.queryFn()) });
  const roles = useQuery({ ...rolesQuery, queryFn: () => worded(rolesQuery.queryFn()), enabled: readsRoles });

  const error = settings.error ?? roles.error;
  if (error) {
    const text = readFailures.get(error);
    return text ? (
      <Alert color="red" role="alert">
        {text}
      </Alert>
    ) : null;
  }
  if (!settings.data || (readsRoles && !roles.data))
    return <Text role="status">{t('loading', { ns: 'common' })}</Text>;
  return (
    <DirectorySettingsForm
      settings={settings.data}
      roles={roles.data ?? []}
      readsRoles={readsRoles}
      can={can}
      failure={failure}
    />
  );
}
