import { useCallback, useEffect, useState } from 'react';
import type { AccessEvent, EventKind } from '../../../app/contract/methods/events.js';
import { eventKinds, labelOf } from '../access-labels.js';
import { ErrorAlert } from '../components/alert.js';
import { DataTable } from '../components/data-table.js';
import { SelectField } from '../components/field.js';
import { OlderButton } from '../components/older-button.js';
import { formatTime, plural } from '../format.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useLatest } from '../use-latest.js';

const PAGE = 100;

/** Access and device events, newest first, filtered by kind and paged back in time. */
export function EventsScreen({ failure }: SectionProps) {
  const [kind, setKind] = useState<EventKind | ''>('');
  const [events, setEvents] = useState<AccessEvent[]>();
  const [nextBefore, setNextBefore] = useState<number>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const latest = useLatest();

  /** Reads a page of the chosen kind; `before` appends an older page to what is shown. */
  const read = useCallback(
    (before?: number) =>
      latest.read(
        () =>
          call('events.list', {
            limit: PAGE,
            ...(kind ? { kinds: [kind] } : {}),
            ...(before ? { before } : {}),
          }),
        (page) => {
          setEvents((shown) => (before && shown ? [...shown, ...page.events] : page.events));
          setNextBefore(page.nextBefore);
          setError(undefined);
        },
        (err) => setError(failure(err)),
      ),
    [failure, kind, latest],
  );

  useEffect(() => {
    void read();
  }, [read]);

  return (
    <>
      <div className="filters">
        <SelectField
          label="Kind"
          value={kind}
          onChange={setKind}
          options={[{ value: '', label: 'All kinds' }, ...eventKinds]}
        />
      </div>
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
      {events ? (
        <DataTable
          caption={`${plural(events.length, 'event')}, newest first`}
          columns={['Time', 'Kind', 'Door', 'Cardholder', 'Reason', 'Source']}
        >
          {events.map((e) => (
            <tr
              key={e.id}
              className={e.kind === 'access-denied' || e.kind === 'door-forced' ? 'failed' : undefined}
            >
              <td>{formatTime(e.at)}</td>
              <td>{labelOf(eventKinds, e.kind)}</td>
              <td>{e.doorName ?? (e.doorId ? `#${e.doorId}` : '—')}</td>
              <td>{e.userName ?? (e.userId ? `#${e.userId}` : '—')}</td>
              <td>{e.reason ?? ''}</td>
              <td>{e.source}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      <OlderButton
        more={nextBefore !== undefined}
        busy={busy}
        reading={busy}
        label="Show older events"
        onClick={() => {
          setBusy(true);
          void read(nextBefore).finally(() => setBusy(false));
        }}
      />
    </>
  );
}
