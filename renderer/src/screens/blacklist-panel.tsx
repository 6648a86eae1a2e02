import type { BlacklistStatus } from '../../../app/contract/methods/users.js';

/** How full the blacklist is and when it fills at the current rate of cancellations. */
export function BlacklistPanel({ status }: { status: BlacklistStatus }) {
  const percent = Math.round((status.entries / status.capacity) * 100);
  const { perDay, fullInDays } = status.forecast;
  return (
    <section className="panel" aria-label="Blacklist">
      <h2>Blacklist</h2>
      <p>
        <meter min={0} max={status.capacity} value={status.entries} aria-label="Blacklist fill" />{' '}
        {status.entries.toLocaleString()} of {status.capacity.toLocaleString()} entries ({percent}%).
        {status.compactable ? ` Compacting would free ${status.compactable.toLocaleString()}.` : ''}
      </p>
      <p className="hint">
        {fullInDays === null
          ? 'No keys were cancelled in the last 30 days, so it is not filling up.'
          : fullInDays > 3650
            ? `At ${perDay.toFixed(2)} cancellations a day it will not fill for more than ten years.`
            : `At ${perDay.toFixed(1)} cancellations a day it is full in ${fullInDays.toLocaleString()} days: ` +
              'compact it before then.'}
      </p>
    </section>
  );
}
