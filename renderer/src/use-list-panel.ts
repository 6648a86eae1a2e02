import { useState } from 'react';

/** What opens beside a list: nothing, the form for a new entry, or one entry (by id). */
type Opened = { kind: 'none' } | { kind: 'new' } | { kind: 'entry'; id: number };

/**
 * The panel beside a list, and the notice above the list. Opening an entry clears the notice (it spoke
 * of something else); closing after a change says what changed and reads the list again.
 */
export function useListPanel(reload: () => unknown) {
  const [opened, setOpened] = useState<Opened>({ kind: 'none' });
  const [notice, setNotice] = useState<string>();
  return {
    notice,
    setNotice,
    /** Whether the form for a new entry is open. */
    creating: opened.kind === 'new',
    /** The id of the open entry, if one is. */
    openId: opened.kind === 'entry' ? opened.id : undefined,
    create: () => setOpened({ kind: 'new' }),
    open: (id: number) => {
      setNotice(undefined);
      setOpened({ kind: 'entry', id });
    },
    close: () => setOpened({ kind: 'none' }),
    /** Closes the panel after a change, says what changed, and reads the list again. */
    done: (message: string) => {
      setOpened({ kind: 'none' });
      setNotice(message);
      void reload();
    },
  };
}
