import { Button, Group, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { User } from '../../../../app/contract/methods/users.js';
import { ErrorAlert, Notice } from '../../components/alert.js';
import { useConfirm } from '../../components/confirm-dialog.js';
import { SearchSelect, type Choice } from '../../components/search-select.js';
import { isRpcError } from '../../error-text.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import type { SectionProps } from '../../section.js';

/** How long the reader waits for the finger (the contract's default). */
export const ENROL_SECONDS = 30;

/** The reasons users.enrollFingerprint gives with UNAVAILABLE, each with its own advice. */
const REASONS = ['no-finger', 'not-online', 'unreachable'] as const;
type Reason = (typeof REASONS)[number];

/** The online doors whose names match, for the door picker (readers with a sensor are on online doors). */
async function findOnlineDoors(search: string): Promise<Choice[]> {
  const page = await call('doors.list', {
    ...(search ? { search } : {}),
    kind: 'online',
    sort: 'name',
    limit: 50,
  });
  return page.items.map((d) => ({ id: d.id, label: d.name }));
}

/** What the panel last did, said above its buttons. */
type Said = { ok: true; text: string } | { ok: false; text: string | undefined };

/**
 * A cardholder's fingerprint, for operators who may change users: enrol one at the reader of an online
 * door (the operator picks the door, then the cardholder presents the finger there while the call
 * waits), or clear the enrolled one after confirmation. Each UNAVAILABLE reason says what to do.
 */
export function UserFingerprint({
  user,
  can,
  failure,
  onChanged,
}: Pick<SectionProps, 'can' | 'failure'> & {
  user: User;
  /** A fingerprint was enrolled or cleared: the user should be read again. */
  onChanged: () => void;
}) {
  const { t } = useT('users');
  const name = `${user.firstName} ${user.lastName}`.trim();
  const heading = useId();
  const enrolHeading = useId();
  const [enrolling, setEnrolling] = useState(false);
  const [door, setDoor] = useState<Choice | null>(null);
  const [doorError, setDoorError] = useState<string>();
  const [said, setSaid] = useState<Said>();
  const [dialog, confirm] = useConfirm();

  const enrol = useMutation({
    mutationFn: (chosen: Choice) =>
      call('users.enrollFingerprint', { userId: user.id, doorId: chosen.id, timeoutSeconds: ENROL_SECONDS }),
    onSuccess: ({ quality }) => {
      setEnrolling(false);
      setSaid({ ok: true, text: t('fingerprint.enrolled', { quality }) });
      onChanged();
    },
    onError: (err, chosen) => {
      const reason = isRpcError(err, 'UNAVAILABLE') ? err.data.reason : undefined;
      setSaid({
        ok: false,
        text: REASONS.includes(reason as Reason)
          ? t(`fingerprint.reasons.${reason as Reason}`, { door: chosen.label })
          : failure(err),
      });
    },
  });
  const clear = useMutation({
    mutationFn: () => call('users.clearFingerprint', { userId: user.id }),
    onSuccess: ({ cleared }) => {
      setSaid({
        ok: true,
        text: cleared ? t('fingerprint.cleared', { name }) : t('fingerprint.noneToClear'),
      });
      onChanged();
    },
    onError: (err) => setSaid({ ok: false, text: failure(err) }),
  });

  const start = () => {
    if (!door) {
      setDoorError(t('fingerprint.chooseDoor'));
      return;
    }
    setDoorError(undefined);
    setSaid(undefined);
    enrol.mutate(door);
  };
  const askClear = async () => {
    const yes = await confirm({
      title: t('fingerprint.clearTitle', { name }),
      message: <p>{t('fingerprint.clearMessage')}</p>,
      confirmLabel: t('fingerprint.clear'),
      danger: true,
    });
    if (!yes) return;
    setSaid(undefined);
    clear.mutate();
  };

  const busy = enrol.isPending || clear.isPending;
  return (
    <Paper component="section" withBorder p="md" mb="md" aria-labelledby={heading}>
      {dialog}
      <Title order={2} size="h3" id={heading} mb="sm">
        {t('fingerprint.title', { name })}
      </Title>
      <Stack gap="sm">
        <Text size="sm">
          {user.fingerprintEnrolled ? t('fingerprint.enrolledHint') : t('fingerprint.noneHint')}
        </Text>
        <ErrorAlert>{said?.ok === false ? said.text : undefined}</ErrorAlert>
        <Notice>{said?.ok ? said.text : undefined}</Notice>
        <Group gap="sm">
          <Button
            variant="default"
            disabled={busy || enrolling}
            onClick={() => {
              setSaid(undefined);
              setEnrolling(true);
            }}
          >
            {t('fingerprint.enrol')}
          </Button>
          {user.fingerprintEnrolled ? (
            <Button color="red" variant="outline" disabled={busy} onClick={() => void askClear()}>
              {t('fingerprint.clear')}
            </Button>
          ) : null}
        </Group>
        {enrolling ? (
          <Paper
            component="section"
            withBorder
            p="sm"
            aria-labelledby={enrolHeading}
            aria-busy={enrol.isPending}
          >
            <Stack gap="sm">
              <Title order={3} size="h4" id={enrolHeading}>
                {t('fingerprint.enrolTitle', { name })}
              </Title>
              <SearchSelect
                label={t('fingerprint.door')}
                description={t('fingerprint.doorHint')}
                placeholder={t('fingerprint.doorPlaceholder')}
                nothingFound={t('fingerprint.noDoors')}
                value={door}
                onChange={(choice) => {
                  setDoor(choice);
                  if (choice) setDoorError(undefined);
                }}
                queryKey="doors.list.online"
                find={findOnlineDoors}
                canSearch={can('doors:read')}
                error={doorError}
                maw="24rem"
              />
              {can('doors:read') ? null : <Text size="sm">{t('fingerprint.noDoorsRead')}</Text>}
              {enrol.isPending && door ? (
                <Group gap="sm" wrap="nowrap" role="status">
                  <Loader size="sm" aria-hidden />
                  <Text size="sm" fw={600}>
                    {t('fingerprint.present', { door: door.label, seconds: ENROL_SECONDS })}
                  </Text>
                </Group>
              ) : null}
              <Group gap="sm">
                <Button loading={enrol.isPending} onClick={start}>
                  {t('fingerprint.start')}
                </Button>
                <Button
                  variant="default"
                  disabled={enrol.isPending}
                  onClick={() => {
                    setEnrolling(false);
                    setDoorError(undefined);
                  }}
                >
                  {t('fingerprint.cancel')}
                </Button>
              </Group>
            </Stack>
          </Paper>
        ) : null}
      </Stack>
    </Paper>
  );
}
