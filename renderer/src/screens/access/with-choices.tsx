import { Alert, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useT } from '../../i18n/i18n.js';
import type { AccessChoices } from '../../use-access-choices.js';

/**
 * A form that picks from the zones, doors, time periods and calendars, shown once they have arrived;
 * until then it says they are loading, or why they could not be read.
 */
export function WithChoices({
  choices,
  error,
  children,
}: {
  choices: AccessChoices | undefined;
  error: string | undefined;
  children: (choices: AccessChoices) => ReactNode;
}) {
  const { t } = useT('access');
  if (choices) return children(choices);
  if (error)
    return (
      <Alert color="red" role="alert" mb="sm">
        {t('choicesFailed', { reason: error })}
      </Alert>
    );
  return (
    <Text size="sm" mb="sm">
      {t('loading')}
    </Text>
  );
}
