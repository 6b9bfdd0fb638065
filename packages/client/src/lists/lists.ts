import {
  DirectoryChange,
  ListsBroadcast,
  ListsCommand,
  type DirectoryChanged,
  type Item,
  type List,
  type ListChange,
  type Namespace,
} from '@tandem/contract';
import type { Connection } from '../connection.js';
import { listsDirectory, listsLastSeen, restoreLists, type ListsLastSeen, type ListsState } from './lists-state.js';

export type { ListsLastSeen, ListsState, UndoOffer } from './lists-state.js';
import { Feature, newOpId, type FeatureContext, type JoinResult } from '../feature.js';
import type { OutboxEntry } from '../outbox-entry.js';
import { SeqReorder } from '../seq-reorder.js';
import { itemAcknowledged, itemRefused } from './answers.js';
import { ListsCatalog } from './catalog.js';
import { ListItems } from './items.js';
import { ListMarks } from './marks.js';
import { confirmItem, projectItems, quote, type ItemView, type Operation, type PendingOperation } from './list.js';
import { transmit } from './transmit.js';
import { ListUndo } from './undo.js';
import { emptyHistory } from '../undo-history.js';

type ListsNamespace = typeof Namespace.Lists;

const operationName = 'item';

const closed = { currentListId: null, list: null, confirmed: {}, seq: 0, conflicts: {}, undo: null } as const;

/**
 * The `/lists` feature: the lists, the open list's items kept current by broadcasts (resynced
 * with `sinceSeq` after a reconnect), and this user's item changes, which go through the outbox:
 * shown at once, sent one at a time in order (whatever view is shown), rolled back when refused.
 *
 * Consistency rules: `confirmed` only ever holds the server's items, replaced whole by newer
 * versions (acks, broadcasts, `CONFLICT` details); broadcasts are applied in `seq` order and a
 * gap triggers a resync. A change that follows another of this user on the same item is rebased
 * on that one's result, so only somebody else's write can make it conflict.
 */
export class ListsFeature extends Feature<ListsNamespace, ListsState> {
  /** Broadcasts that arrived while a join was in flight, applied after its answer. */
  private held: ListChange[] = [];
  private readonly reorder = new SeqReorder<ListChange>({
    lastSeq: () => this.state.get().seq,
    apply: (change) => this.apply(change, true),
    resync: () => {
      const { currentListId, seq } = this.state.get();
      if (currentListId) void this.join(currentListId, { sinceSeq: seq, resuming: true });
    },
  });
  readonly marks = new ListMarks(
    () => this.state.get(),
    (change) => this.update(change),
  );
  /** Changes to the open list's items. */
  readonly items: ListItems;
  readonly catalog = new ListsCatalog(this);
  /** Undo and redo of this user's changes on the open list. */
  readonly undoable = new ListUndo(this);
  constructor(connection: Connection<ListsNamespace>, context: FeatureContext) {
    super(
      connection,
      context,
      { lists: [], catalogLoading: false, joining: false, highlighted: {}, undoHistory: emptyHistory(), ...closed },
      'list',
    );
    this.outbox.handle(connection.namespace, {
      canSend: () => connection.canSend(),
      ready: () => !this.state.get().joining,
      send: (entry) => transmit(connection, this.operationOf(entry)),
      acknowledged: (entry, data) => itemAcknowledged(this, this.operationOf(entry), (data as { item: Item }).item),
      refused: (entry, error) => itemRefused(this, this.operationOf(entry), error),
    });
    this.items = new ListItems(this);
  }

  /** The open list as shown: the server's items with this user's unconfirmed changes, in order. */
  shown(entries: readonly OutboxEntry[] = this.outbox.entries.get(), state = this.state.get()): ItemView[] {
    return projectItems(state.confirmed, this.pending(entries), state.currentListId, this.me);
  }

  /** This user's changes not acknowledged yet, in the order they were made. */
  pending(entries: readonly OutboxEntry[] = this.outbox.entries.get()): PendingOperation[] {
    return entries.filter((entry) => entry.namespace === this.namespace).map((entry) => this.operationOf(entry));
  }

  protected override subscribe(): void {
    for (const event of Object.values(ListsBroadcast)) {
      this.connection.socket.on(event, (data: ListChange['data']) =>
        this.onBroadcast({ event, seq: data.seq, data } as ListChange),
      );
    }
  }

  protected override dispose(): void {
    this.marks.dispose();
    this.reorder.clear();
  }

  // ---- lists --------------------------------------------------------------------------------

  /** Opens a list (an invite code opens a private one); the previous one stops being heard. */
  async open(listId: string, inviteCode?: string): Promise<boolean> {
    if (!this.connection.connected) {
      this.notify('error', 'You are offline: lists open once the connection is back.');
      return false;
    }
    const { currentListId: previous, list } = this.state.get();
    if (previous === listId && list && !inviteCode) return true;
    if (previous && previous !== listId) void this.connection.send(ListsCommand.ListLeave, { listId: previous });
    // Nothing of the previous list may show while this one is joined.
    this.close();
    this.patch({ currentListId: listId });
    const result = await this.join(listId, { inviteCode });
    if (result !== 'joined' && this.state.get().currentListId === listId) this.close();
    return result === 'joined';
  }

  // ---- items --------------------------------------------------------------------------------

  /** Queues a change: shown at once, sent in order once it can be. */
  enqueue(operation: Operation): void {
    if ('itemId' in operation) this.marks.dismissConflict(operation.itemId);
    this.outbox.add(this.namespace, operationName, operation, newOpId());
  }

  operationOf(entry: OutboxEntry): PendingOperation {
    return { ...(entry.args as Operation), opId: entry.opId, status: entry.status };
  }

  /** Takes the server's item if it is newer than the one held. */
  confirm(item: Item): void {
    if (item.listId !== this.state.get().currentListId) return;
    this.update((state) => {
      const confirmed = confirmItem(state.confirmed, item);
      return confirmed === state.confirmed ? state : { ...state, confirmed };
    });
  }

  // ---- broadcasts, joins and the connection ------------------------------------------------

  private onBroadcast(change: ListChange): void {
    const { currentListId, joining } = this.state.get();
    if (change.data.listId !== currentListId) return;
    if (joining) this.held.push(change);
    else this.reorder.push(change);
  }

  private apply(change: ListChange, live: boolean): void {
    if (change.seq <= this.state.get().seq) return;
    this.patch({ seq: change.seq });
    switch (change.event) {
      case ListsBroadcast.ListUpdated:
        this.adoptList(change.data.list);
        return;
      case ListsBroadcast.ListDeleted: {
        const title = this.state.get().list?.title ?? 'this list';
        this.forget(change.data.listId);
        this.notify('info', `The list ${quote(title)} was deleted by its owner.`);
        return;
      }
      default: {
        const { item } = change.data;
        this.confirm(item);
        if (live && item.updatedBy.id !== this.me.id) this.marks.flash(item.id);
      }
    }
  }

  /**
   * Joins (or rejoins with `sinceSeq`): the answer's snapshot or missed changes are applied,
   * then the broadcasts held meanwhile (those already included are dropped by their seq).
   */
  private async join(
    listId: string,
    { sinceSeq, inviteCode, resuming = false }: { sinceSeq?: number; inviteCode?: string; resuming?: boolean } = {},
  ): Promise<JoinResult> {
    this.patch({ joining: true });
    this.held = [];
    const outcome = await this.connection.send(ListsCommand.ListJoin, {
      listId,
      ...(sinceSeq !== undefined ? { sinceSeq } : {}),
      ...(inviteCode ? { inviteCode } : {}),
    });
    const held = this.held;
    this.held = [];
    this.patch({ joining: false });
    // Another list was opened meanwhile: this answer is for nobody (callers close only the open one).
    if (this.state.get().currentListId !== listId) return 'refused';
    if (!outcome.ok) {
      const result = this.joinFailed(outcome.error, 'the list', resuming);
      if (result === 'gone' && sinceSeq !== undefined) this.forget(listId);
      return result;
    }
    const joined = outcome.data;
    this.adoptList(joined.list);
    if ('changes' in joined) {
      for (const change of joined.changes) this.apply(change, true);
    } else {
      this.patch({ confirmed: Object.fromEntries(joined.items.map((item) => [item.id, item])), seq: joined.seq });
    }
    for (const change of held) this.reorder.push(change);
    this.reorder.drain();
    this.remember(listId);
    if (!this.state.get().lists.some((listed) => listed.id === listId)) void this.catalog.refresh(true);
    this.outbox.flush(this.namespace);
    return 'joined';
  }

  adoptList(list: List): void {
    this.update((state) => {
      const inviteCode = list.inviteCode ?? state.lists.find((listed) => listed.id === list.id)?.inviteCode;
      const adopted = { ...list, ...(inviteCode ? { inviteCode } : {}) };
      return {
        ...state,
        list: state.currentListId === list.id ? adopted : state.list,
        lists: state.lists.map((listed) => (listed.id === list.id ? adopted : listed)),
      };
    });
  }

  /** The list is gone (deleted, or no longer reachable): so are the items queued for it. */
  forget(listId: string): void {
    this.update((state) => ({ ...state, lists: state.lists.filter((listed) => listed.id !== listId) }));
    this.outbox.remove(
      (entry) =>
        entry.namespace === this.namespace &&
        (entry.args as Operation).kind === 'create' &&
        (entry.args as { listId: string }).listId === listId,
    );
    if (this.state.get().currentListId === listId) {
      this.remember(null);
      this.close();
    }
  }

  private close(): void {
    this.reorder.clear();
    this.marks.dismissUndo();
    this.patch(closed);
  }

  /** Rejoins the open list from its known seq (on the first connection, the list open last time). */
  protected override async resync(firstTime: boolean): Promise<void> {
    const { currentListId, list, seq } = this.state.get();
    const listId = currentListId ?? (firstTime ? this.remembered() : null);
    if (!listId) return;
    const resume = currentListId === listId && list !== null;
    this.patch({ currentListId: listId });
    const result = await this.join(listId, { sinceSeq: resume ? seq : undefined, resuming: true });
    // `later`: the list stays in view, as last seen, until the next connection catches it up.
    if ((result === 'gone' || result === 'refused') && this.state.get().currentListId === listId) this.close();
  }

  protected override loadDirectory(quiet: boolean): Promise<void> {
    return this.catalog.refresh(quiet);
  }

  /** The lists follow every list created, renamed or deleted; so does the open list. */
  protected override directoryChanged(change: DirectoryChanged): void {
    if (change.kind === DirectoryChange.Deleted) this.forget(change.space.id);
    else this.update((state) => ({ ...state, ...listsDirectory(state, change) }));
  }

  protected override lastSeen(state: ListsState): ListsLastSeen {
    return listsLastSeen(state);
  }

  protected override restoreLastSeen(kept: unknown): void {
    this.update((state) => restoreLists(state, kept as ListsLastSeen));
  }
}
