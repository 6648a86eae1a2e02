import { Button, Group, Text } from '@mantine/core';
import { useT } from '../../i18n/i18n.js';
import type { RunningExport } from './use-event-export.js';

/**
 * A CSV export under way: a bar of the events written of all it will write, in words too (the bar
 * alone says nothing to a screen reader between its updates), and Cancel. A native `<progress>`: it
 * needs no inline style, which the console CSP would refuse.
 */
export function ExportProgress({ running, onCancel }: { running: RunningExport; onCancel: () => void }) {
  const { t } = useT('events');
  const p = running.progress;
  const total = p?.total ?? 0;
  const done = Math.min(p?.done ?? 0, total);
  const percent = total ? Math.floor((done / total) * 100) : 0;
  return (
    <Group gap="sm" className="events-export">
      <progress
        className="events-export-bar"
        aria-label={t('export.progressLabel')}
        max={total || 1}
        // Indeterminate until the service has counted what it will write.
        value={p ? done : undefined}
      />
      <Text size="sm" role="status">
        {p
          ? t('export.progress', { done: done.toLocaleString(), total: total.toLocaleString(), percent })
          : t('export.counting')}
      </Text>
      <Button variant="default" size="xs" onClick={onCancel}>
        {t('export.cancel')}
      </Button>
    </Group>
  );
}
