import { Table, Text } from '@mantine/core';
import type { AccessLevel } from '../../../app/contract/methods/doors.js';
import { EntityList, type PageQuery } from '../components/entity-list.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useFormatTime } from '../site-time.js';
import { nameOf, useAccessChoices, type AccessChoices } from '../use-access-choices.js';
import { AccessLevelForm } from './access-level-form.js';
import { WithChoices } from './access/with-choices.js';

const fetchLevels = (q: PageQuery) => call('accessLevels.list', q);
// The service refuses to delete a level cardholders hold (CONFLICT "in use"); the list says why.
const deleteLevel = (l: AccessLevel) => call('accessLevels.delete', { id: l.id, version: l.version });

/** An access level's rights in words: "Zone Third floor during Office hours; …", or "None". */
function useRightsText(): (rights: AccessLevel['rights'], choices: AccessChoices | undefined) => string {
  const { t } = useT('access');
  return (rights, choices) =>
    rights.length
      ? rights
          .map((r) =>
            t('levels.rightText', {
              where:
                r.doorId !== undefined
                  ? t('levels.doorNamed', { name: nameOf(choices?.doors, r.doorId) })
                  : t('levels.zoneNamed', { name: nameOf(choices?.zones, r.zoneId ?? 0) }),
              period: nameOf(choices?.periods, r.periodId),
            }),
          )
          .join('; ')
      : t('levels.none');
}

/** Access levels: the doors and zones their holders open, each during a time period. */
export function AccessLevelsScreen({ can, failure }: SectionProps) {
  const { t } = useT('access');
  const rightsText = useRightsText();
  const formatTime = useFormatTime();
  const { choices, error } = useAccessChoices(failure);
  return (
    <EntityList<AccessLevel>
      kind={{ ns: 'access', noun: 'levels', method: 'accessLevels.list' }}
      fetchPage={fetchLevels}
      del={deleteLevel}
      canWrite={can('doors:write')}
      failure={failure}
      columns={[t('levels.rights'), t('levels.cardholders')]}
      cells={(l) => (
        <>
          <Table.Td>
            {rightsText(l.rights, choices)}
            {l.description ? (
              <Text span className="entity-cell-hint">
                {l.description}
              </Text>
            ) : null}
          </Table.Td>
          <Table.Td className="num">{l.cardholderCount}</Table.Td>
        </>
      )}
      changed={(l) => formatTime(l.updatedAt)}
      form={({ item, onSaved, onClose }) => (
        <WithChoices choices={choices} error={error}>
          {(c) => (
            <AccessLevelForm
              key={item?.id ?? 'new'}
              level={item}
              choices={c}
              failure={failure}
              onSaved={onSaved}
              onClose={onClose}
            />
          )}
        </WithChoices>
      )}
    />
  );
}
