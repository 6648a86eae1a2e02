/** Reads the next older page of a list paged back in time; shows only while there is one. */
export function OlderButton({
  more,
  busy,
  reading,
  label,
  onClick,
}: {
  /** Whether an older page exists. */
  more: boolean;
  /** Disables it while any read runs. */
  busy: boolean;
  /** Whether the read running is this one. */
  reading: boolean;
  label: string;
  onClick: () => void;
}) {
  return more ? (
    <button type="button" className="secondary" onClick={onClick} disabled={busy}>
      {reading ? 'Reading…' : label}
    </button>
  ) : null;
}
