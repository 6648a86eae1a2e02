import { EntityListFrame } from '../components/entity-list-frame.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useEntityList } from '../use-entity-list.js';
import type { PageQuery } from '../use-paged-list.js';
import { ZoneForm } from './zone-form.js';

const fetchZones = (q: PageQuery) => call('zones.list', q);

/** Zones: named groups of doors that access levels grant at once; edited with doors:write. */
export function ZonesScreen({ can, failure }: SectionProps) {
  const write = can('doors:write');
  const state = useEntityList(fetchZones, failure);
  const { panel, editing } = state;
  return (
    <EntityListFrame
      state={state}
      noun="zone"
      canWrite={write}
      hint="A door joins zones in its own form. An access level can grant a whole zone during a time period."
      columns={['Description', 'Doors']}
      form={
        panel.creating || editing ? (
          <ZoneForm
            key={editing?.id ?? 'new'}
            zone={editing}
            failure={failure}
            onSaved={(z, created) => panel.done(`Zone “${z.name}” ${created ? 'created' : 'saved'}.`)}
            onClose={panel.close}
          />
        ) : null
      }
      deletion={{
        message: (
          <p>
            This cannot be undone. Its doors leave it; a zone that an access level grants cannot be deleted:
            take it out of those levels first.
          </p>
        ),
        del: (x) => call('zones.delete', { id: x.id, version: x.version }),
      }}
      row={(z) => (
        <>
          <td>{z.description}</td>
          <td className="num">{z.doorCount}</td>
        </>
      )}
    />
  );
}
