import type { DirectoryChanged, Item, List } from '@tandem/contract';
import { applyDirectoryChange, spaceFields } from '../directory.js';
import type { UndoHistory } from '../undo-history.js';
import type { ItemConflict } from './list.js';
import type { ListUndoChange } from './undo.js';

/** A delete that can still be undone. */
export interface UndoOffer {
  item: Item;
  id: number;
}

export interface ListsState {
  lists: List[];
  catalogLoading: boolean;
  currentListId: string | null;
  list: List | null;
  joining: boolean;
  /** The open list's items as the server last described them, by id. */
  confirmed: Record<string, Item>;
  /** The last `seq` applied to `confirmed`. */
  seq: number;
  conflicts: Record<string, ItemConflict>;
  undo: UndoOffer | null;
  /** This user's item changes that can be undone or redone, per list. */
  undoHistory: UndoHistory<ListUndoChange>;
  /** Items just changed by somebody else, briefly marked. */
  highlighted: Record<string, true>;
}

/** The lists, and the open list as last seen: shown after a reload until it connects. */
export interface ListsLastSeen {
  lists: List[];
  open: { list: List; items: Item[]; seq: number } | null;
}

/** A `directory:changed` (created or renamed) applied to the lists and the open list. */
export function listsDirectory(
  { lists, list }: Pick<ListsState, 'lists' | 'list'>,
  change: DirectoryChanged,
): Pick<ListsState, 'lists' | 'list'> {
  const { space } = change;
  return {
    lists: applyDirectoryChange(lists, change, (summary, held) => ({
      seq: summary.seq,
      ...held,
      ...spaceFields(summary, held),
      title: summary.name,
    })),
    list: list?.id === space.id ? { ...list, title: space.name } : list,
  };
}

/** What a reload shows until it connects: the lists, and the open list's confirmed items at their `seq`. */
export function listsLastSeen(state: ListsState): ListsLastSeen {
  const { list } = state;
  return { lists: state.lists, open: list ? { list, items: Object.values(state.confirmed), seq: state.seq } : null };
}

/** The lists and the open list come back as last seen; connecting resyncs the list from its `seq`. */
export function restoreLists(state: ListsState, { lists, open }: ListsLastSeen): ListsState {
  return {
    ...state,
    lists: state.lists.length === 0 ? lists : state.lists,
    ...(open && state.currentListId === null
      ? {
          currentListId: open.list.id,
          list: open.list,
          confirmed: Object.fromEntries(open.items.map((item) => [item.id, item])),
          seq: open.seq,
        }
      : {}),
  };
}
