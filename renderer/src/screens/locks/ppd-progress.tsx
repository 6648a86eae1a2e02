import { Paper, Stack, Text } from '@mantine/core';
import { ProgressBar } from '../../components/progress-bar.js';
import { currentLanguage, useT } from '../../i18n/i18n.js';
import type { RunningPpd } from './use-ppd-operation.js';

/** A size in bytes as people read it: "512 byte", "12.5 kB" (in the console's language). */
export function bytesText(bytes: number): string {
  const language = currentLanguage();
  if (bytes < 1000)
    return new Intl.NumberFormat(language, { style: 'unit', unit: 'byte', unitDisplay: 'short' }).format(
      bytes,
    );
  return new Intl.NumberFormat(language, {
    style: 'unit',
    unit: 'kilobyte',
    unitDisplay: 'short',
    maximumFractionDigits: 1,
  }).format(bytes / 1000);
}

/**
 * A PPD transfer under way: what it is, a bar of what has gone over the cable, the same in words (a
 * polite live region: the bar alone says nothing to a screen reader between updates) and Cancel until
 * the commit (`stage` 'writing': the whole round is across and being stored). A
 * native `<progress>`, which needs no inline style the console CSP would refuse.
 */
export function PpdProgress({ running, onCancel }: { running: RunningPpd; onCancel: () => void }) {
  const { t } = useT('locks');
  const p = running.progress;
  const what = t(running.method === 'ppd.loadRound' ? 'progress.loading' : 'progress.syncing');
  // Past the last chunk the PPD (or the Service, at a sync) commits: too late to cancel.
  const committed = p?.stage === 'writing' || p?.stage === 'done';
  const total = p?.total ?? 0;
  const done = Math.min(p?.done ?? 0, total);
  const words =
    !p || total === 0
      ? t('progress.starting')
      : committed
        ? t('progress.storing', { total: bytesText(total) })
        : t('progress.bytes', {
            done: bytesText(done),
            total: bytesText(total),
            percent: Math.floor((done / total) * 100),
          });
  return (
    <Paper withBorder p="md" role="group" aria-label={t('progress.label')}>
      <Stack gap="sm">
        <Text fw={600}>{what}</Text>
        <ProgressBar
          label={t('progress.label')}
          max={total || 1}
          // Indeterminate until the Service reports how much there is to send.
          value={p && total ? done : undefined}
          words={words}
          cancel={{
            text: running.cancelling ? t('progress.cancelling') : t('progress.cancel'),
            label: t('progress.cancelNamed', { what }),
            disabled: committed || running.cancelling,
            onClick: onCancel,
          }}
        />
      </Stack>
    </Paper>
  );
}
