import { useState, type ReactNode } from 'react';
import { useConfirm } from './components/confirm-dialog.js';
import { useAccessChoices } from './use-access-choices.js';
import { useListPanel } from './use-list-panel.js';
import { usePagedList, type PageOf, type PageQuery } from './use-paged-list.js';

/** What every listed object of the access model has. */
export interface Entity {
  id: number;
  name: string;
  version: number;
}

/** How to delete one entry, and what to say about it. */
export interface Removal<T> {
  /** The kind of thing, in words ("time period"). */
  noun: string;
  /** Why to think twice, shown in the confirmation. */
  message: ReactNode;
  /** The call that deletes it. */
  del: (item: T) => Promise<unknown>;
}

/**
 * The state of a list screen of the access model: the searchable paged list, the panel beside it,
 * the confirmation dialog, deleting an entry after confirmation, and (`withChoices`) the zones,
 * doors, time periods and calendars its forms choose from.
 */
export function useEntityList<T extends Entity>(
  fetchPage: (query: PageQuery) => Promise<PageOf<T>>,
  failure: (err: unknown) => string | undefined,
  withChoices = false,
) {
  const list = usePagedList(fetchPage, failure);
  const { choices, error: choicesError } = useAccessChoices(failure, withChoices);
  const panel = useListPanel(list.load);
  const [dialog, confirm] = useConfirm();
  const [busy, setBusy] = useState(false);

  async function remove(item: T, { noun, message, del }: Removal<T>) {
    const yes = await confirm({
      title: `Delete the ${noun} ${item.name}?`,
      message,
      confirmLabel: `Delete ${noun}`,
      danger: true,
    });
    if (!yes) return;
    setBusy(true);
    list.setError(undefined);
    panel.setNotice(undefined);
    try {
      await del(item);
      if (panel.openId === item.id) panel.close();
      panel.setNotice(`${noun.charAt(0).toUpperCase()}${noun.slice(1)} “${item.name}” deleted.`);
    } catch (err) {
      list.setError(failure(err));
    } finally {
      setBusy(false);
      void list.load();
    }
  }

  return {
    list,
    choices,
    /** Why the choices could not be read. */
    choicesError,
    panel,
    dialog,
    busy,
    remove,
    /** The entry open in the panel, if it is on the page shown. */
    editing: list.items?.find((i) => i.id === panel.openId),
  };
}

/** The hook's state, as the list frame takes it. */
export type EntityList<T extends Entity> = ReturnType<typeof useEntityList<T>>;
