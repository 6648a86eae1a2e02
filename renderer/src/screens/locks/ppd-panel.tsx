import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  NativeSelect,
  Paper,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { OfflineLock, PpdStatus, RoundSummary } from '../../../../app/contract/methods/locks.js';
import { ErrorAlert, Notice } from '../../components/alert.js';
import { useConfirm } from '../../components/confirm-dialog.js';
import { currentLanguage, useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { saidOf, saying } from '../events/said-failure.js';
import { PpdProgress } from './ppd-progress.js';
import { usePpdOperation, type PpdMethod } from './use-ppd-operation.js';
import { VisitTable } from './visit-table.js';

/** The port choice that means "the path typed below" (ptys are not listed by the system). */
export const OTHER_PATH = '';

/** The longest emergency reason the contract takes. */
const REASON_MAX = 200;

const PAIRED_COLOR: Record<PpdStatus['paired'], string> = {
  unpaired: 'yellow',
  'this-site': 'green',
  'other-site': 'red',
};

/** What the panel says after a check or a pairing: a note or a failure. */
type Said = { ok: boolean; text: string | undefined };

/** What the last sync imported. */
interface Synced {
  rounds: RoundSummary[];
  imported: number;
}

/** The PPD as it answered: serial, firmware, pairing with what to do, the round it carries, battery. */
function PpdFacts({
  status,
  canPair,
  pairing,
  onPair,
}: {
  status: PpdStatus;
  canPair: boolean;
  pairing: boolean;
  onPair: () => void;
}) {
  const { t } = useT('locks');
  const number = new Intl.NumberFormat(currentLanguage());
  const round = status.round;
  return (
    <Stack gap="sm">
      <dl className="locks-facts" aria-live="polite">
        <dt>{t('ppd.serial')}</dt>
        <dd>
          <code>{status.serial}</code>
        </dd>
        <dt>{t('ppd.firmware')}</dt>
        <dd>{status.firmware}</dd>
        <dt>{t('ppd.paired')}</dt>
        <dd>
          <Badge color={PAIRED_COLOR[status.paired]} variant="dot">
            {t(`ppd.pairedStates.${status.paired}`)}
          </Badge>
        </dd>
        <dt>{t('ppd.round')}</dt>
        <dd>
          {round ? (
            <>
              {t('ppd.roundFacts', {
                round: round.roundId,
                tasks: number.format(round.tasks),
                loaded: number.format(round.loadedBytes),
                total: number.format(round.totalBytes),
                visited: number.format(round.visited),
              })}
              {round.loadedBytes < round.totalBytes ? (
                <Text span className="locks-muted locks-warning">
                  {t('ppd.roundCut')}
                </Text>
              ) : null}
            </>
          ) : (
            t('ppd.noRound')
          )}
        </dd>
        <dt>{t('ppd.pending')}</dt>
        <dd>
          {number.format(status.resultsPending)}
          {status.resultsPending > 0 ? (
            <Text span className="locks-muted">
              {t('ppd.pendingHint')}
            </Text>
          ) : null}
        </dd>
        <dt>{t('ppd.battery')}</dt>
        <dd>{t('lock.battery', { percent: number.format(status.battery) })}</dd>
      </dl>
      {status.paired === 'unpaired' ? (
        <Alert color="yellow">
          <Stack gap="xs" align="flex-start">
            <Text size="sm">{t('ppd.unpaired')}</Text>
            {canPair ? (
              <Button onClick={onPair} disabled={pairing}>
                {pairing ? t('ppd.pairing') : t('ppd.pair')}
              </Button>
            ) : (
              <Text size="sm">{t('ppd.askAdmin')}</Text>
            )}
          </Stack>
        </Alert>
      ) : status.paired === 'other-site' ? (
        <Alert color="red">
          <Text size="sm">{t('ppd.otherSite')}</Text>
        </Alert>
      ) : null}
    </Stack>
  );
}

/**
 * The Portable Programming Device on a serial port (ppd:use): choose the port (listed by the system,
 * or typed: a simulator's pty is not listed), check who the PPD is and what it carries, pair it
 * (settings:admin), load a round for the selected locks with an optional emergency opening
 * (ppd:emergency) followed byte by byte and cancellable, and sync what it brought back, lock by lock.
 * Each failure is shown where it happened, in the Service's words, which say what to do.
 */
export function PpdPanel({
  locks,
  selected,
  canPair,
  canEmergency,
  failure,
  onChanged,
}: {
  /** The site's offline locks (to name the selected ones). */
  locks: readonly OfflineLock[];
  /** The doors of the locks chosen for the next round. */
  selected: readonly number[];
  canPair: boolean;
  canEmergency: boolean;
  failure: (err: unknown) => string | undefined;
  /** A round was loaded or a sync imported visits: the locks and rounds are read again. */
  onChanged: () => void;
}) {
  const { t } = useT('locks');
  const heading = useId();
  const loadHeading = useId();
  const syncHeading = useId();
  const ports = useQuery({
    queryKey: ['ppd.ports'],
    queryFn: () => saying(failure, () => call('ppd.ports', {})),
    staleTime: 10_000,
  });
  const [choice, setChoice] = useState<string>();
  const [typed, setTyped] = useState('');
  const [status, setStatus] = useState<PpdStatus>();
  const [checking, setChecking] = useState(false);
  const [pairing, setPairing] = useState(false);
  const [statusSaid, setStatusSaid] = useState<Said>();
  const [emergency, setEmergency] = useState(false);
  const [emergencyDoor, setEmergencyDoor] = useState('');
  const [reason, setReason] = useState('');
  const [emergencyErrors, setEmergencyErrors] = useState<{ door?: string; reason?: string }>();
  const [lastMethod, setLastMethod] = useState<PpdMethod>();
  const [loaded, setLoaded] = useState<string>();
  const [synced, setSynced] = useState<Synced>();
  const [dialog, confirm] = useConfirm();
  const op = usePpdOperation(failure);

  const listed = ports.data?.ports ?? [];
  // Until the operator chooses, the first listed port (or a typed path when none is listed).
  const current = choice ?? listed[0]?.path ?? OTHER_PATH;
  const path = current === OTHER_PATH ? typed.trim() : current;
  const names = new Map(locks.map((l) => [l.doorId, l.doorName]));
  const busy = checking || pairing || op.running !== undefined;

  /** Asks the PPD who it is; `quiet`: after a transfer, a failure leaves the last answer standing. */
  const check = async (quiet = false) => {
    if (!path) {
      setStatusSaid({ ok: false, text: t('ppd.pathMissing') });
      return;
    }
    if (!quiet) {
      setChecking(true);
      setStatusSaid(undefined);
    }
    try {
      setStatus(await call('ppd.status', { path }));
    } catch (err) {
      if (!quiet) setStatus(undefined);
      setStatusSaid({ ok: false, text: failure(err) });
    } finally {
      if (!quiet) setChecking(false);
    }
  };

  const pair = async () => {
    const yes = await confirm({
      title: t('ppd.pairTitle'),
      message: <p>{t('ppd.pairMessage')}</p>,
      confirmLabel: t('ppd.pairConfirm'),
    });
    if (!yes) return;
    setPairing(true);
    setStatusSaid(undefined);
    try {
      setStatus(await call('ppd.pair', { path }));
      setStatusSaid({ ok: true, text: t('ppd.pairedNow') });
    } catch (err) {
      setStatusSaid({ ok: false, text: failure(err) });
    } finally {
      setPairing(false);
    }
  };

  const emergencyOf = () => {
    if (!emergency) return { ok: true as const, value: undefined };
    const doorId = Number(emergencyDoor);
    const errors = {
      door: selected.includes(doorId) ? undefined : t('load.emergencyDoorMissing'),
      reason: reason.trim() ? undefined : t('load.emergencyReasonMissing'),
    };
    setEmergencyErrors(errors);
    if (errors.door || errors.reason) return { ok: false as const };
    return { ok: true as const, value: { doorId, reason: reason.trim() } };
  };

  const load = async () => {
    setLoaded(undefined);
    if (!path) {
      setLastMethod('ppd.loadRound');
      op.setSaid({ ok: false, text: t('ppd.pathMissing') });
      return;
    }
    const e = emergencyOf();
    if (!e.ok) return;
    setLastMethod('ppd.loadRound');
    const doorIds = [...selected];
    const round = await op.run('ppd.loadRound', {
      path,
      doorIds,
      ...(e.value ? { emergency: e.value } : {}),
    });
    // Cut short or not, the PPD and the locks changed: read them again.
    onChanged();
    void check(true);
    if (!round) return;
    setLoaded(t('load.loaded', { round: round.roundId, count: round.doorIds.length }));
    setEmergency(false);
    setReason('');
  };

  const sync = async () => {
    setSynced(undefined);
    setLastMethod('ppd.sync');
    if (!path) {
      op.setSaid({ ok: false, text: t('ppd.pathMissing') });
      return;
    }
    const r = await op.run('ppd.sync', { path });
    onChanged();
    void check(true);
    if (r) setSynced(r);
  };

  const transferSaid = (method: PpdMethod) =>
    lastMethod === method ? (
      <>
        <ErrorAlert>{op.said?.ok === false ? op.said.text : undefined}</ErrorAlert>
        <Notice>{op.said?.ok ? op.said.text : undefined}</Notice>
      </>
    ) : null;
  const progressOf = (method: PpdMethod) =>
    op.running?.method === method ? (
      <PpdProgress running={op.running} onCancel={() => void op.cancel()} />
    ) : null;
  const visits = synced?.rounds.flatMap((r) => r.visits) ?? [];

  return (
    <Paper component="section" withBorder p="md" aria-labelledby={heading}>
      {dialog}
      <Title order={2} size="h3" id={heading} mb="sm">
        {t('ppd.title')}
      </Title>
      <Stack gap="md">
        <Text size="sm" className="locks-muted">
          {t('ppd.hint')}
        </Text>
        <ErrorAlert>{saidOf(ports.error)}</ErrorAlert>
        <div className="locks-port">
          <NativeSelect
            label={t('ppd.port')}
            description={t('ppd.portHint')}
            value={current}
            disabled={busy}
            onChange={(e) => setChoice(e.currentTarget.value)}
            data={[
              ...listed.map((p) => ({
                value: p.path,
                label: p.manufacturer ? `${p.path} (${p.manufacturer})` : p.path,
              })),
              { value: OTHER_PATH, label: t('ppd.otherPath') },
            ]}
          />
          {current === OTHER_PATH ? (
            <TextInput
              label={t('ppd.path')}
              description={t('ppd.pathHint')}
              value={typed}
              maxLength={300}
              disabled={busy}
              onChange={(e) => setTyped(e.currentTarget.value)}
            />
          ) : null}
          <Group gap="sm">
            <Button disabled={busy} onClick={() => void check()}>
              {checking ? t('ppd.checking') : t('ppd.check')}
            </Button>
            <Button variant="default" disabled={busy} onClick={() => void ports.refetch()}>
              {t('ppd.reloadPorts')}
            </Button>
          </Group>
        </div>
        <ErrorAlert>{statusSaid?.ok === false ? statusSaid.text : undefined}</ErrorAlert>
        <Notice>{statusSaid?.ok ? statusSaid.text : undefined}</Notice>
        {status ? (
          <PpdFacts status={status} canPair={canPair} pairing={pairing} onPair={() => void pair()} />
        ) : null}

        <section aria-labelledby={loadHeading} className="locks-subsection">
          <Title order={3} size="h4" id={loadHeading} mb="xs">
            {t('load.title')}
          </Title>
          <Stack gap="sm">
            {selected.length === 0 ? <Text size="sm">{t('load.chooseLocks')}</Text> : null}
            {canEmergency ? (
              <Stack gap="xs">
                <Checkbox
                  label={t('load.emergency')}
                  description={t('load.emergencyHint')}
                  checked={emergency}
                  disabled={busy}
                  onChange={(e) => {
                    setEmergency(e.currentTarget.checked);
                    setEmergencyErrors(undefined);
                  }}
                />
                {emergency ? (
                  <div className="locks-emergency">
                    <NativeSelect
                      label={t('load.emergencyDoor')}
                      value={emergencyDoor}
                      error={emergencyErrors?.door}
                      disabled={busy}
                      onChange={(e) => setEmergencyDoor(e.currentTarget.value)}
                      data={[
                        { value: '', label: '—' },
                        ...selected.map((id) => ({ value: String(id), label: names.get(id) ?? `#${id}` })),
                      ]}
                    />
                    <TextInput
                      label={t('load.emergencyReason')}
                      description={t('load.emergencyReasonHint')}
                      value={reason}
                      maxLength={REASON_MAX}
                      error={emergencyErrors?.reason}
                      disabled={busy}
                      onChange={(e) => setReason(e.currentTarget.value)}
                    />
                  </div>
                ) : null}
              </Stack>
            ) : null}
            <Group gap="sm">
              <Button disabled={busy || selected.length === 0} onClick={() => void load()}>
                {t('load.button', { count: selected.length })}
              </Button>
            </Group>
            {progressOf('ppd.loadRound')}
            {transferSaid('ppd.loadRound')}
            <Notice>{lastMethod === 'ppd.loadRound' ? loaded : undefined}</Notice>
          </Stack>
        </section>

        <section aria-labelledby={syncHeading} className="locks-subsection">
          <Title order={3} size="h4" id={syncHeading} mb="xs">
            {t('sync.title')}
          </Title>
          <Stack gap="sm">
            <Text size="sm" className="locks-muted">
              {t('sync.hint')}
            </Text>
            <Group gap="sm">
              <Button variant="default" disabled={busy} onClick={() => void sync()}>
                {t('sync.button')}
              </Button>
            </Group>
            {progressOf('ppd.sync')}
            {transferSaid('ppd.sync')}
            {synced && lastMethod === 'ppd.sync' ? (
              <>
                <Notice>
                  {visits.length === 0 && synced.imported === 0
                    ? t('sync.nothing')
                    : t('sync.synced', { count: synced.imported })}
                </Notice>
                {visits.length ? <VisitTable visits={visits} caption={t('sync.caption')} /> : null}
              </>
            ) : null}
          </Stack>
        </section>
      </Stack>
    </Paper>
  );
}
