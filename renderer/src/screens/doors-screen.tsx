import { doorAuthModes, doorKinds, doorOpenModes, labelOf } from '../access-labels.js';
import { EntityListFrame } from '../components/entity-list-frame.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { nameOf } from '../use-access-choices.js';
import { useEntityList } from '../use-entity-list.js';
import type { PageQuery } from '../use-paged-list.js';
import { DoorForm } from './door-form.js';

const fetchDoors = (q: PageQuery) => call('doors.list', q);

/** Doors: how each opens and what it asks for, and its zones; edited with doors:write. */
export function DoorsScreen({ can, failure }: SectionProps) {
  const write = can('doors:write');
  const state = useEntityList(fetchDoors, failure, true);
  const { panel, editing, choices } = state;
  return (
    <EntityListFrame
      state={state}
      noun="door"
      canWrite={write}
      columns={['Kind', 'Open mode', 'Authentication', 'Zones']}
      form={
        choices && (panel.creating || editing) ? (
          <DoorForm
            key={editing?.id ?? 'new'}
            door={editing}
            choices={choices}
            failure={failure}
            onSaved={(d, created) => panel.done(`Door “${d.name}” ${created ? 'created' : 'saved'}.`)}
            onClose={panel.close}
          />
        ) : null
      }
      deletion={{
        message: (
          <p>
            This cannot be undone. A door that an access level grants cannot be deleted: take it out of those
            levels first.
          </p>
        ),
        del: (x) => call('doors.delete', { id: x.id, version: x.version }),
      }}
      row={(d) => (
        <>
          <td>{labelOf(doorKinds, d.kind).replace(/ \(.*/, '')}</td>
          <td>
            {labelOf(doorOpenModes, d.openMode).replace(/ \(.*/, '')}
            {d.officePeriodId ? (
              <span className="cell-hint">during {nameOf(choices?.periods, d.officePeriodId)}</span>
            ) : null}
          </td>
          <td>{labelOf(doorAuthModes, d.auth.mode)}</td>
          <td>{d.zoneIds.map((z) => nameOf(choices?.zones, z)).join(', ') || 'None'}</td>
        </>
      )}
    />
  );
}
