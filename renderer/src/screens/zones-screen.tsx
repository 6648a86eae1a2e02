import { Table } from '@mantine/core';
import type { Zone } from '../../../app/contract/methods/doors.js';
import { EntityList, type PageQuery } from '../components/entity-list.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useFormatTime } from '../site-time.js';
import { ZoneForm } from './zone-form.js';

const fetchZones = (q: PageQuery) => call('zones.list', q);
// The service refuses to delete a zone an access level grants (CONFLICT "in use"); the list says why.
const deleteZone = (z: Zone) => call('zones.delete', { id: z.id, version: z.version });

/** Zones: named groups of doors that access levels grant at once; edited with doors:write. */
export function ZonesScreen({ can, failure }: SectionProps) {
  const { t } = useT('access');
  const formatTime = useFormatTime();
  return (
    <EntityList<Zone>
      kind={{ ns: 'access', noun: 'zones', method: 'zones.list' }}
      fetchPage={fetchZones}
      del={deleteZone}
      canWrite={can('doors:write')}
      failure={failure}
      columns={[t('zones.description'), t('zones.doors')]}
      cells={(z) => (
        <>
          <Table.Td>{z.description}</Table.Td>
          <Table.Td className="num">{z.doorCount}</Table.Td>
        </>
      )}
      changed={(z) => formatTime(z.updatedAt)}
      form={({ item, onSaved, onClose }) => (
        <ZoneForm key={item?.id ?? 'new'} zone={item} failure={failure} onSaved={onSaved} onClose={onClose} />
      )}
    />
  );
}
