import type { AccessLevel } from '../../../app/contract/methods/doors.js';
import { EntityListFrame } from '../components/entity-list-frame.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { nameOf, type AccessChoices } from '../use-access-choices.js';
import { useEntityList } from '../use-entity-list.js';
import type { PageQuery } from '../use-paged-list.js';
import { AccessLevelForm } from './access-level-form.js';

const fetchLevels = (q: PageQuery) => call('accessLevels.list', q);

/** An access level's rights in words: "Zone 3rd floor during Office hours; …". */
function rightsText(rights: AccessLevel['rights'], choices: AccessChoices | undefined): string {
  if (!rights.length) return 'None';
  return rights
    .map((r) => {
      const where =
        r.doorId !== undefined
          ? `Door ${nameOf(choices?.doors, r.doorId)}`
          : `Zone ${nameOf(choices?.zones, r.zoneId ?? 0)}`;
      return `${where} during ${nameOf(choices?.periods, r.periodId)}`;
    })
    .join('; ');
}

/** Access levels: the doors and zones their holders open, each during a time period. */
export function AccessLevelsScreen({ can, failure }: SectionProps) {
  const write = can('doors:write');
  const state = useEntityList(fetchLevels, failure, true);
  const { panel, editing, choices } = state;
  return (
    <EntityListFrame
      state={state}
      noun="access level"
      canWrite={write}
      columns={['Rights', 'Cardholders']}
      form={
        choices && (panel.creating || editing) ? (
          <AccessLevelForm
            key={editing?.id ?? 'new'}
            level={editing}
            choices={choices}
            failure={failure}
            onSaved={(l, created) => panel.done(`Access level “${l.name}” ${created ? 'created' : 'saved'}.`)}
            onClose={panel.close}
          />
        ) : null
      }
      deletion={{
        message: (
          <p>
            This cannot be undone. A level that cardholders hold cannot be deleted: take it away from them
            first.
          </p>
        ),
        del: (x) => call('accessLevels.delete', { id: x.id, version: x.version }),
      }}
      row={(l) => (
        <>
          <td>
            {rightsText(l.rights, choices)}
            {l.description ? <span className="cell-hint">{l.description}</span> : null}
          </td>
          <td className="num">{l.cardholderCount}</td>
        </>
      )}
    />
  );
}
