import { Paper, Progress, Text, Title } from '@mantine/core';
import type { BlacklistStatus } from '../../../app/contract/methods/users.js';
import { useT } from '../i18n/i18n.js';

/** How full the blacklist is and when it fills at the current rate of cancellations. */
export function BlacklistPanel({ status }: { status: BlacklistStatus }) {
  const { t, i18n } = useT('users');
  const n = (x: number) => x.toLocaleString(i18n.resolvedLanguage);
  const percent = Math.round((status.entries / status.capacity) * 100);
  const { perDay, fullInDays } = status.forecast;
  const rate = perDay.toFixed(perDay < 1 ? 2 : 1);
  return (
    <Paper withBorder p="md" component="section" aria-label={t('blacklist.title')}>
      <Title order={2} size="h4" mb="xs">
        {t('blacklist.title')}
      </Title>
      <Progress value={percent} aria-label={t('blacklist.fill')} mb="xs" />
      <Text size="sm">
        {t('blacklist.entries', { entries: n(status.entries), capacity: n(status.capacity), percent })}
        {status.compactable ? ` ${t('blacklist.compactable', { count: status.compactable })}` : ''}
      </Text>
      <Text size="sm" c="dimmed">
        {fullInDays === null
          ? t('blacklist.notFilling')
          : fullInDays > 3650
            ? t('blacklist.tenYears', { rate })
            : t('blacklist.fullIn', { rate, days: n(fullInDays) })}
      </Text>
    </Paper>
  );
}
