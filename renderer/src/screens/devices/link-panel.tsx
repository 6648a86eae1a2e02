import { Paper, Text, Title } from '@mantine/core';
import { useId } from 'react';
import type { DeviceList } from './use-devices.js';
import { useT } from '../../i18n/i18n.js';
import { useDeviceWords } from './device-words.js';

/** A hex key in groups of four, so that it can be compared by eye with what a device prints. */
export function groupedKey(hex: string): string {
  return (hex.match(/.{1,4}/g) ?? []).join(' ');
}

/** The Service's own end of the link: where it listens, its public key, what it refused. */
export function LinkPanel({ link }: { link: DeviceList['link'] }) {
  const { t } = useT('devices');
  const words = useDeviceWords();
  const heading = useId();
  const where = link.port === null ? '' : `${link.host ?? '*'}:${link.port}`;
  return (
    <Paper component="section" withBorder p="md" aria-labelledby={heading}>
      <Title order={2} size="h3" id={heading} mb="sm">
        {t('link.title')}
      </Title>
      <dl className="devices-facts">
        <dt>{t('columns.status')}</dt>
        <dd>
          {link.listening && where ? (
            t('link.listening', { where })
          ) : (
            <Text span className="devices-warning">
              {t('link.notListening')}
            </Text>
          )}
        </dd>
        <dt>{t('link.publicKey')}</dt>
        <dd>
          <code className="devices-key">{groupedKey(link.publicKey)}</code>
        </dd>
        <dt>{t('link.revision')}</dt>
        <dd>{link.revision}</dd>
        <dt>{t('link.refused')}</dt>
        <dd>{words.refused(link.refused)}</dd>
      </dl>
    </Paper>
  );
}
