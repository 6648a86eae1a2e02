import { Button, NativeSelect, Stack, TextInput, Title } from '@mantine/core';
import { useId, useState } from 'react';
import type { MobilePhone } from '../../../../app/contract/methods/mobile.js';
import { ErrorAlert } from '../../components/alert.js';
import { isRpcError } from '../../error-text.js';
import { asSentence, issueList, placeIssues } from '../../forms/form-words.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { dayOf, startOfDay } from '../users/validity-days.js';

/** What mobile.keys.issue answered, with the phone it went to. */
export interface Issued {
  credentialId: number;
  phoneLabel: string;
}

/**
 * Issues a mobile key to one of the user's enrolled phones, valid until the end of a day of the
 * site's time zone (a lock opens by the site's clock), or by default as long as the user is. The
 * NCoder seals it: when it is not connected the form says so.
 */
export function IssueMobileKeyForm({
  userId,
  phones,
  timeZone,
  failure,
  onIssued,
}: {
  userId: number;
  phones: readonly MobilePhone[];
  timeZone: string | undefined;
  failure: (err: unknown) => string | undefined;
  onIssued: (issued: Issued) => void;
}) {
  const { t } = useT('mobile');
  const heading = useId();
  const [phoneId, setPhoneId] = useState(phones.length === 1 ? phones[0]!.phoneId : '');
  const [day, setDay] = useState('');
  const [checked, setChecked] = useState(false);
  const [refused, setRefused] = useState<{ phoneId?: string; validUntil?: string }>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  // The chosen phone may have been removed meanwhile (live): then none is chosen.
  const phone = phones.find((p) => p.phoneId === phoneId);
  const today = dayOf(new Date().toISOString(), timeZone);
  const dayWrong = day !== '' && (!/^\d{4}-\d{2}-\d{2}$/.test(day) || day < today);
  const problems = checked
    ? {
        ...(phone ? {} : { phoneId: t('issue.errors.phone') }),
        ...(dayWrong ? { validUntil: t('issue.errors.validUntil') } : {}),
      }
    : {};

  const submit = async () => {
    setChecked(true);
    setRefused({});
    if (!phone || dayWrong) return;
    setBusy(true);
    setError(undefined);
    try {
      const issued = await call('mobile.keys.issue', {
        userId,
        phoneId: phone.phoneId,
        // The end of the last valid day: the start of the next one.
        ...(day ? { validUntil: startOfDay(day, timeZone, 1) } : {}),
      });
      setDay('');
      setChecked(false);
      onIssued({ credentialId: issued.credentialId, phoneLabel: phone.label });
    } catch (err) {
      const placed = placeIssues(err, ['phoneId', 'validUntil']);
      if (placed) {
        setRefused(Object.fromEntries(placed.fields.map(([f, m]) => [f, asSentence(m)])));
        if (placed.rest.length) setError(issueList(placed.rest));
      } else if (isRpcError(err, 'ENCODER_UNAVAILABLE')) setError(t('issue.needsEncoder'));
      else setError(failure(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      noValidate
      aria-busy={busy}
      aria-labelledby={heading}
      className="mobile-subsection"
    >
      <Stack gap="sm">
        <Title order={3} size="h4" id={heading}>
          {t('issue.title')}
        </Title>
        <ErrorAlert>{error}</ErrorAlert>
        <div className="mobile-fields">
          <NativeSelect
            label={t('issue.phone')}
            value={phone ? phoneId : ''}
            onChange={(e) => setPhoneId(e.currentTarget.value)}
            data={[{ value: '', label: '—' }, ...phones.map((p) => ({ value: p.phoneId, label: p.label }))]}
            error={problems.phoneId ?? refused.phoneId}
            errorProps={{ role: 'alert' }}
            maw="20rem"
          />
          <TextInput
            type="date"
            label={t('issue.validUntil')}
            description={t('issue.validUntilHint')}
            value={day}
            min={today}
            onChange={(e) => setDay(e.currentTarget.value)}
            error={problems.validUntil ?? refused.validUntil}
            errorProps={{ role: 'alert' }}
            maw="20rem"
          />
        </div>
        <div>
          <Button type="submit" disabled={busy}>
            {busy ? t('issue.issuing') : t('issue.submit')}
          </Button>
        </div>
      </Stack>
    </form>
  );
}
