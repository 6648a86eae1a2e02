import { Alert, Badge, Button, Paper, Stack, Text, Title } from '@mantine/core';
import { useId } from 'react';
import { Trans } from 'react-i18next';
import type { EncoderStatus } from '../../../../app/contract/methods/encoder.js';
import { ErrorAlert } from '../../components/alert.js';
import { useT } from '../../i18n/i18n.js';

const BADGE: Record<EncoderStatus['state'], string> = {
  absent: 'gray',
  unpaired: 'yellow',
  'paired-elsewhere': 'red',
  ready: 'green',
  busy: 'blue',
};

/** What to do about the encoder in its state: plug it in, pair it, reset it, wait. */
function Guidance({
  status,
  canPair,
  pairing,
  onPair,
}: {
  status: EncoderStatus;
  canPair: boolean;
  pairing: boolean;
  onPair: () => void;
}) {
  const { t } = useT('encoder');
  switch (status.state) {
    case 'absent':
      return (
        <Alert color="blue">
          <Text fw={600}>{t('status.absent')}</Text>
          <Text size="sm">
            <Trans t={t} i18nKey="status.simulator" components={{ code: <code /> }} />
          </Text>
        </Alert>
      );
    case 'unpaired':
      return (
        <Alert color="yellow">
          <Stack gap="xs" align="flex-start">
            <Text size="sm">{t('status.unpaired')}</Text>
            {canPair ? (
              <Button onClick={onPair} disabled={pairing}>
                {pairing ? t('status.pairing') : t('status.pair')}
              </Button>
            ) : (
              <Text size="sm">{t('status.askAdmin')}</Text>
            )}
          </Stack>
        </Alert>
      );
    case 'paired-elsewhere':
      return (
        <Alert color="red">
          <Text size="sm">{t('status.pairedElsewhere')}</Text>
        </Alert>
      );
    case 'busy':
      return <Text size="sm">{t('status.busy')}</Text>;
    case 'ready':
      return <Text size="sm">{t('status.ready')}</Text>;
  }
}

/**
 * The NCoder as the service sees it now: its state with what to do about it, its serial number and
 * firmware, and the card on it. A polite live region: a card placed or taken away is announced.
 */
export function EncoderStatusPanel({
  status,
  error,
  canPair,
  pairing,
  onPair,
}: {
  /** The last reading (undefined until the first one arrives). */
  status: EncoderStatus | undefined;
  error: string | undefined;
  /** The operator may pair an encoder (settings:admin). */
  canPair: boolean;
  pairing: boolean;
  onPair: () => void;
}) {
  const { t } = useT('encoder');
  const heading = useId();
  const card = status?.state === 'ready' ? status.card : null;
  return (
    <Paper component="section" withBorder p="md" aria-labelledby={heading}>
      <Title order={2} size="h3" id={heading} mb="sm">
        {t('status.title')}
      </Title>
      <ErrorAlert mb="sm">{error}</ErrorAlert>
      {status ? (
        <Stack gap="sm">
          <dl className="encoder-facts" aria-live="polite">
            <dt>{t('status.state')}</dt>
            <dd>
              {/* A dot in the state's colour beside words in the text colour: Mantine's light badges put
                  shade 9 on a pale tint, below WCAG AA contrast (axe flags them). */}
              <Badge color={BADGE[status.state]} variant="dot">
                {t(`status.states.${status.state}`)}
              </Badge>
            </dd>
            {status.serial ? (
              <>
                <dt>{t('status.serial')}</dt>
                <dd>
                  <code>{status.serial}</code>
                </dd>
              </>
            ) : null}
            {status.firmware ? (
              <>
                <dt>{t('status.firmware')}</dt>
                <dd>{status.firmware}</dd>
              </>
            ) : null}
            {status.state === 'ready' ? (
              <>
                <dt>{t('status.card')}</dt>
                <dd>
                  {card ? (
                    <>
                      <code>{card.uid}</code>
                      {card.randomId ? (
                        <span className="encoder-muted"> ({t('status.randomId')})</span>
                      ) : null}
                    </>
                  ) : (
                    t('status.noCard')
                  )}
                </dd>
              </>
            ) : null}
          </dl>
          <Guidance status={status} canPair={canPair} pairing={pairing} onPair={onPair} />
        </Stack>
      ) : error ? null : (
        <Text size="sm">{t('common:loading')}</Text>
      )}
    </Paper>
  );
}
