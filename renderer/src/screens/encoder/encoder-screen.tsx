import { Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { CardReport, EncoderStatus } from '../../../../app/contract/methods/encoder.js';
import { ErrorAlert, Notice } from '../../components/alert.js';
import { useConfirm } from '../../components/confirm-dialog.js';
import { useT } from '../../i18n/i18n.js';
import { call, subscribe } from '../../rpc/client.js';
import type { SectionProps } from '../../section.js';
import { saidOf, saying } from '../events/said-failure.js';
import { CardProgress } from './card-progress.js';
import { CardReportView } from './card-report.js';
import { EncodeForm } from './encode-form.js';
import { EncoderStatusPanel } from './encoder-status.js';
import { useCardOperation, type CardParams } from './use-card-operation.js';
import type { Holder } from './holders.js';
import './encoder.css';

/** Where the encoder's state is cached: read by polling, replaced by `encoder.changed`. */
const STATUS_KEY = ['encoder.status'] as const;

/** How often the encoder is asked which card is on it (the live event does not track cards). */
export const STATUS_POLL_MS = 1_500;

/** What a card write changes elsewhere: the user's keys, the users' key counts, the blacklist. */
const WRITTEN = ['keys.list', 'users.list', 'users.get', 'blacklist.status'];

/** The user named by `?user=ID`, if any. */
function userParam(params: URLSearchParams): number | undefined {
  const id = Number(params.get('user'));
  return Number.isInteger(id) && id > 0 ? id : undefined;
}

/**
 * The NCoder desktop encoder and the card on it. At the top, the encoder's state (kept fresh by the
 * `encoder.changed` event and by polling encoder.status while the screen is shown) with what to do
 * about it, pairing for administrators. Below, what can be done to the card on it (encode a key for a
 * user, read, update, cancel its key, erase it), each followed step by step and cancellable until the
 * card's commit; then what the card holds.
 */
export function EncoderScreen({ site, can, failure }: SectionProps) {
  const { t } = useT('encoder');
  const queryClient = useQueryClient();
  const heading = useId();
  const [params] = useSearchParams();
  const canReadUsers = can('users:read');
  const canPair = can('settings:admin');
  const op = useCardOperation(failure);
  const [report, setReport] = useState<CardReport>();
  const [pairing, setPairing] = useState(false);
  const [pairSaid, setPairSaid] = useState<{ ok: boolean; text: string | undefined }>();
  const [dialog, confirm] = useConfirm();

  const status = useQuery({
    queryKey: STATUS_KEY,
    queryFn: () => saying(failure, () => call('encoder.status', {})),
    // Only while the page is shown (TanStack Query pauses in the background); slower after a failure.
    refetchInterval: (query) => (query.state.status === 'error' ? STATUS_POLL_MS * 4 : STATUS_POLL_MS),
    staleTime: 0,
  });

  useEffect(
    () =>
      subscribe('encoder.changed', (e) => {
        const next = e.payload;
        // The event does not track the card: keep the one last seen until the poll says otherwise.
        queryClient.setQueryData<EncoderStatus>(STATUS_KEY, (old) => ({
          ...next,
          card: next.state === 'ready' ? (next.card ?? old?.card ?? null) : null,
        }));
        void queryClient.invalidateQueries({ queryKey: STATUS_KEY });
      }),
    [queryClient],
  );

  const preselectedId = userParam(params);
  const preselect = useQuery({
    queryKey: ['users.get', { id: preselectedId }],
    queryFn: () => saying(failure, () => call('users.get', { id: preselectedId! })),
    enabled: preselectedId !== undefined && canReadUsers,
    retry: false,
  });
  const preselected: Holder | null =
    preselectedId === undefined
      ? null
      : preselect.data
        ? { id: preselectedId, label: `${preselect.data.firstName} ${preselect.data.lastName}`.trim() }
        : canReadUsers
          ? null
          : { id: preselectedId, label: `#${preselectedId}` };

  const encoder = status.data;
  const card = encoder?.state === 'ready' ? encoder.card : null;
  const free = !op.running;
  const canCard = free && card !== null;
  // The card read earlier is not the one on the encoder now (a random ID cannot tell).
  const gone =
    report !== undefined &&
    encoder?.state === 'ready' &&
    (card === null || (!card.randomId && card.uid.toUpperCase() !== report.uid.toUpperCase()));

  const afterCard = (wrote: boolean) => {
    void queryClient.invalidateQueries({ queryKey: STATUS_KEY });
    if (wrote) for (const k of WRITTEN) void queryClient.invalidateQueries({ queryKey: [k] });
  };

  const read = async () => {
    setReport(undefined);
    const r = await op.run('encoder.read', {});
    afterCard(false);
    if (!r) return;
    setReport(r);
    op.setSaid({ ok: true, text: t('done.read', { uid: r.uid }) });
  };

  const encode = async (p: CardParams<'encoder.encode'>, holder: Holder) => {
    setReport(undefined);
    const r = await op.run('encoder.encode', p);
    afterCard(r !== undefined);
    if (!r) return false;
    setReport(r.card);
    op.setSaid({
      ok: true,
      text: t('done.encoded', { uid: r.key.uid, name: r.card.holder?.name ?? holder.label }),
    });
    return true;
  };

  const update = async () => {
    setReport(undefined);
    const r = await op.run('encoder.update', {});
    afterCard(r !== undefined);
    if (!r) return;
    setReport(r.card);
    op.setSaid({ ok: true, text: t('done.updated', { uid: r.key.uid }) });
  };

  const cancelKey = async () => {
    const yes = await confirm({
      title: t('actions.cancelTitle'),
      message: <p>{t('actions.cancelMessage')}</p>,
      confirmLabel: t('actions.cancelConfirm'),
      danger: true,
    });
    if (!yes) return;
    setReport(undefined);
    const r = await op.run('encoder.cancel', {});
    afterCard(r !== undefined);
    if (!r) return;
    setReport(r.card);
    op.setSaid({ ok: true, text: t('done.cancelled', { uid: r.key.uid }) });
  };

  const erase = async () => {
    const yes = await confirm({
      title: t('actions.eraseTitle'),
      message: <p>{t('actions.eraseMessage')}</p>,
      confirmLabel: t('actions.eraseConfirm'),
      danger: true,
    });
    if (!yes) return;
    setReport(undefined);
    const r = await op.run('encoder.erase', {});
    afterCard(r !== undefined);
    if (!r) return;
    op.setSaid({ ok: true, text: t('done.erased', { uid: r.uid }) });
  };

  const pair = async () => {
    const yes = await confirm({
      title: t('status.pairTitle'),
      message: <p>{t('status.pairMessage')}</p>,
      confirmLabel: t('status.pairConfirm'),
    });
    if (!yes) return;
    setPairing(true);
    setPairSaid(undefined);
    try {
      const next = await call('encoder.pair', {});
      queryClient.setQueryData(STATUS_KEY, next);
      setPairSaid({ ok: true, text: t('status.paired') });
    } catch (err) {
      setPairSaid({ ok: false, text: failure(err) });
    } finally {
      setPairing(false);
      void queryClient.invalidateQueries({ queryKey: STATUS_KEY });
    }
  };

  const statusError = pairSaid?.ok === false ? pairSaid.text : saidOf(status.error);
  return (
    <Stack gap="md" className="encoder-screen">
      {dialog}
      <EncoderStatusPanel
        status={encoder}
        error={statusError}
        canPair={canPair}
        pairing={pairing}
        onPair={() => void pair()}
      />
      <Notice>{pairSaid?.ok ? pairSaid.text : undefined}</Notice>
      <Paper component="section" withBorder p="md" aria-labelledby={heading}>
        <Title order={2} size="h3" id={heading} mb="sm">
          {t('actions.title')}
        </Title>
        <Stack gap="md">
          {free && encoder && encoder.state !== 'ready' ? (
            <Text size="sm">{t('actions.notReady')}</Text>
          ) : free && encoder?.state === 'ready' && !card ? (
            <Text size="sm">{t('actions.needCard')}</Text>
          ) : null}
          <Group gap="sm">
            <Button variant="default" disabled={!canCard} onClick={() => void read()}>
              {t('actions.read')}
            </Button>
            <Button variant="default" disabled={!canCard} onClick={() => void update()}>
              {t('actions.update')}
            </Button>
            <Button color="red" variant="outline" disabled={!canCard} onClick={() => void cancelKey()}>
              {t('actions.cancelKey')}
            </Button>
            <Button color="red" variant="outline" disabled={!canCard} onClick={() => void erase()}>
              {t('actions.erase')}
            </Button>
          </Group>
          <Text size="sm" className="encoder-muted">
            {t('actions.hint')}
          </Text>
          {op.running ? <CardProgress running={op.running} onCancel={() => void op.cancel()} /> : null}
          <ErrorAlert>{op.said?.ok === false ? op.said.text : undefined}</ErrorAlert>
          <Notice>{op.said?.ok ? op.said.text : undefined}</Notice>
          <ErrorAlert>{saidOf(preselect.error)}</ErrorAlert>
          <EncodeForm
            // A holder named from the address arrives after the first render: the form starts with them.
            key={preselected ? `${preselected.id}:${preselected.label}` : 'none'}
            preselected={preselected}
            timeZone={site?.timeZone}
            canSearch={canReadUsers}
            canEncode={canCard}
            onEncode={encode}
          />
        </Stack>
      </Paper>
      {report ? (
        <CardReportView report={report} gone={gone} canUpdate={canCard} onUpdate={() => void update()} />
      ) : null}
    </Stack>
  );
}
