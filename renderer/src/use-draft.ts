import { useState } from 'react';

/** A form's values as typed, with `set(key)`: the onChange of the field that edits one of them. */
export function useDraft<T extends object>(initial: T | (() => T)) {
  const [draft, setDraft] = useState<T>(initial);
  const set =
    <K extends keyof T>(key: K) =>
    (value: T[K]) =>
      setDraft((d) => ({ ...d, [key]: value }));
  return [draft, setDraft, set] as const;
}
