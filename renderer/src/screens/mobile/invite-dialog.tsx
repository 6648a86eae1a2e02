import { Text } from '@mantine/core';
import type { ResultOf } from '../../../../app/contract/index.js';
import { CopyField } from '../../components/copy-field.js';
import { useT } from '../../i18n/i18n.js';
import { useFormatTime } from '../../site-time.js';
import { ShownOnceDialog } from '../rf/shown-once-dialog.js';

/** What mobile.phones.invite answers: the one-time code and where the phone enrols with it. */
export type Invitation = ResultOf<'mobile.phones.invite'>;

/** A SHA-256 fingerprint in colon-separated pairs, as certificate tools print it. */
export function pairedFingerprint(hex: string): string {
  return (
    hex
      .replaceAll(':', '')
      .toUpperCase()
      .match(/.{1,2}/g) ?? []
  ).join(':');
}

/** The line the simulated phone (`lintel sim phone`) takes on its stdin to enrol. */
export function enrolLine(invitation: Invitation): string {
  return `enrol ${invitation.relayUrl} ${invitation.fingerprint} ${invitation.code}`;
}

/**
 * A phone's enrolment code, shown once: the code, the relay's URL and certificate fingerprint (the
 * phone pins it), each with Copy, until when it works, and the line a simulated phone takes.
 */
export function InviteDialog({
  name,
  invitation,
  onClose,
}: {
  /** The user the phone is for. */
  name: string;
  invitation: Invitation;
  onClose: () => void;
}) {
  const { t } = useT('mobile');
  const formatTime = useFormatTime();
  return (
    <ShownOnceDialog
      title={t('invite.title', { name })}
      once={t('invite.once', { name })}
      doneLabel={t('invite.done')}
      onClose={onClose}
    >
      <CopyField label={t('invite.code')} value={invitation.code} />
      <Text size="sm">{t('invite.expires', { time: formatTime(invitation.expiresAt) })}</Text>
      <CopyField label={t('invite.relayUrl')} value={invitation.relayUrl} />
      <CopyField
        label={t('invite.fingerprint')}
        value={pairedFingerprint(invitation.fingerprint)}
        hint={t('invite.fingerprintHint')}
      />
      <Text size="sm">{t('invite.phone')}</Text>
      <CopyField label={t('invite.command')} value={enrolLine(invitation)} />
    </ShownOnceDialog>
  );
}
