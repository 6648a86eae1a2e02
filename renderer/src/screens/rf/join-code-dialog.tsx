import { Text } from '@mantine/core';
import { CopyField } from '../../components/copy-field.js';
import { useT } from '../../i18n/i18n.js';
import { groupedJoinCode, joinCommand, spacedEui64 } from './rf-lock-words.js';
import { ShownOnceDialog } from './shown-once-dialog.js';

/** A join code on show, with the lock it is for. */
export interface ShownJoinCode {
  doorName: string;
  eui64: string;
  joinCode: string;
}

/**
 * A lock's one-time join code, shown once: the code in groups of four, what to do with it (enter it on
 * the lock; the simulator's command with it), and that it works until the lock joins.
 */
export function JoinCodeDialog({ shown, onClose }: { shown: ShownJoinCode; onClose: () => void }) {
  const { t } = useT('rf');
  return (
    <ShownOnceDialog
      title={t('join.title', { door: shown.doorName })}
      once={t('join.once')}
      doneLabel={t('join.done')}
      onClose={onClose}
    >
      <Text size="sm">{t('join.eui64', { eui64: spacedEui64(shown.eui64) })}</Text>
      <CopyField label={t('join.code')} value={groupedJoinCode(shown.joinCode)} />
      <Text size="sm">{t('join.what')}</Text>
      <CopyField
        label={t('join.command')}
        value={joinCommand(shown, shown.joinCode)}
        hint={t('join.commandHint')}
      />
      <Text size="sm">{t('join.valid')}</Text>
    </ShownOnceDialog>
  );
}
