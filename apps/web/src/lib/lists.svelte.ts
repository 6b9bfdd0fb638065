import {
  ErrorCode,
  ListsBroadcast,
  ListsCommand,
  Namespace,
  keyBetween,
  type Item,
  type ItemChanged,
  type ItemConflictDetails,
  type ItemPatch,
  type List,
  type ListDeleted,
  type ListUpdated,
  type ListsChangeEvents,
} from '@tandem/contract';
import { NamespaceManager, newOpId, type JoinResult } from './namespace-manager.svelte.js';
import { notices } from './notices.svelte.js';
import type { Kept } from './outbox.js';
import { SeqReorder } from './seq-reorder.js';
import type { SessionLink } from './session.svelte.js';
import { ClientErrorCode, type CommandOutcome } from './sockets.js';

/** A change made here and not yet acknowledged: shown at once, sent in order, dropped on its ack. */
type Operation =
  | { kind: 'create'; listId: string; tempId: string; text: string; position: string }
  | { kind: 'update'; itemId: string; version: number; patch: ItemPatch }
  | { kind: 'delete'; itemId: string; version: number }
  | { kind: 'restore'; itemId: string; version: number; item: Item }
  | {
      kind: 'move';
      itemId: string;
      version: number;
      /** Where it is shown until the server answers; the server computes the stored key. */
      position: string;
      afterId?: string | null;
      beforeId?: string | null;
    };

type PendingOperation = Operation & {
  /** Made once, kept across retries: the server applies one `opId` at most once. */
  opId: string;
  status: 'queued' | 'sending';
};

/** The lists, and the open list as last seen: shown after a reload until it connects. */
export interface ListsLastSeen {
  lists: List[];
  /** The open list's items as confirmed, and the `seq` they are at (the resync goes on from it). */
  open: { list: List; items: Item[]; seq: number } | null;
}

/** An item as shown: the server's, with this user's unconfirmed changes applied. */
export interface ItemView extends Item {
  /** Some change made here is not confirmed yet (or the item is not created yet). */
  saving: boolean;
}

/** A write of this user that lost a race: what is shown now, and what they had wanted. */
export interface ItemConflict {
  itemId: string;
  message: string;
  /** The same change again, against the current version; null when it cannot apply (deleted). */
  retry: Operation | null;
}

/** A delete that can still be undone. */
export interface UndoOffer {
  item: Item;
  id: number;
}

type ListsEvent = keyof ListsChangeEvents;
interface ListBroadcast {
  event: ListsEvent;
  data: ItemChanged | ListUpdated | ListDeleted;
}

const highlightMs = 1_600;
const undoMs = 8_000;
const temporaryPrefix = 'pending:';
/** An unanswered change is sent again (same opId) after this, while connected. */
const unansweredRetryMs = 1_000;

/** List order, as the server defines it: keys compared as plain strings, then ids. */
export function byPosition(a: Item, b: Item): number {
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A key between two shown neighbours, or null when they leave no room (the server decides then). */
function keyBetweenShown(before: Item | null, after: Item | null): string | null {
  try {
    return keyBetween(before?.position ?? null, after?.position ?? null);
  } catch {
    return null;
  }
}

function quote(text: string): string {
  return `“${text.length > 80 ? `${text.slice(0, 79)}…` : text}”`;
}

/** What a change wanted, in words, for a conflict message. */
function describe(operation: Operation): string {
  switch (operation.kind) {
    case 'update': {
      const { text, done, position } = operation.patch;
      if (text !== undefined) return `your edit: ${quote(text)}`;
      if (done !== undefined) return `your change: mark it ${done ? 'done' : 'not done'}`;
      return position !== undefined ? 'your change: move it' : 'your change';
    }
    case 'delete':
      return 'your change: delete it';
    case 'move':
      return 'your change: move it';
    case 'restore':
      return 'your change: restore it';
    case 'create':
      return 'your new item';
  }
}

/**
 * The `/lists` state of one signed-in user: the lists, the open list's items kept current by
 * broadcasts (resynced with `sinceSeq` after a reconnect), and this user's changes not yet
 * confirmed, shown at once and rolled back when the server refuses them.
 *
 * Consistency rules: `confirmed` only ever holds the server's items, replaced whole by newer
 * versions (acks, broadcasts, `CONFLICT` details); broadcasts are applied in `seq` order and a
 * gap triggers a resync. Changes are sent one at a time, in the order they were made, each naming
 * the version the user saw; one that follows another of this user on the same item is rebased
 * on that one's result, so only somebody else's write can make it conflict.
 */
export class ListsManager extends NamespaceManager<typeof Namespace.Lists, PendingOperation, ListsLastSeen> {
  lists = $state<List[]>([]);
  currentListId = $state<string | null>(null);
  list = $state<List | null>(null);
  joining = $state(false);
  /** The open list's items as the server last described them, by id. */
  confirmed = $state<Record<string, Item>>({});
  pending = $state<PendingOperation[]>([]);
  /** Items just changed by somebody else, briefly marked. */
  highlighted = $state<Record<string, true>>({});
  conflicts = $state<Record<string, ItemConflict>>({});
  undo = $state<UndoOffer | null>(null);

  /** The open list as shown: the server's items with this user's unconfirmed changes, in order. */
  readonly items: ItemView[] = $derived.by(() => this.project());
  /** Listed lists plus the open one when the list does not show it yet (joined by id). */
  readonly sidebarLists: List[] = $derived.by(() => {
    const open = this.list;
    if (!open || this.lists.some((listed) => listed.id === open.id)) return this.lists;
    return [...this.lists, open];
  });

  /** The last `seq` applied to `confirmed` (state: it is kept with them, see `lastSeen`). */
  private seq = $state(0);
  /** Broadcasts that arrived while a join was in flight, applied after its answer. */
  private held: ListBroadcast[] = [];
  /** The open list's broadcasts in `seq` order; a gap still open after a short wait rejoins with `sinceSeq`. */
  private readonly reorder = new SeqReorder<ListBroadcast & { seq: number }>({
    lastSeq: () => this.seq,
    apply: ({ event, data }) => this.apply(event, data, true),
    resync: () => {
      if (this.currentListId) void this.join(this.currentListId, { sinceSeq: this.seq, resuming: true });
    },
  });
  private pumping = false;
  private nextUndoId = 1;
  private undoTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly highlightTimers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(session: SessionLink) {
    super(Namespace.Lists, session, 'list');
  }

  get isOwner(): boolean {
    return this.list?.ownerId === this.me.id;
  }

  protected override subscribe(): void {
    for (const event of Object.values(ListsBroadcast)) {
      this.socket.on(event, (data: ItemChanged | ListUpdated | ListDeleted) => this.onBroadcast(event, data));
    }
  }

  protected override dispose(): void {
    if (this.undoTimer) clearTimeout(this.undoTimer);
    for (const timer of this.highlightTimers.values()) clearTimeout(timer);
  }

  // ---- lists --------------------------------------------------------------------------------

  refreshCatalog(quiet = false): Promise<void> {
    return this.loadCatalog(
      quiet,
      'the lists',
      () => this.request(ListsCommand.ListList, {}),
      (data) => (this.lists = data.lists),
    );
  }

  async createList(title: string, isPrivate: boolean): Promise<boolean> {
    const outcome = await this.request(ListsCommand.ListCreate, {
      title,
      visibility: isPrivate ? 'private' : 'public',
    });
    if (!outcome.ok) {
      notices.error(`Could not create the list: ${outcome.error.message}`);
      return false;
    }
    this.lists = [...this.lists, outcome.data.list];
    return this.open(outcome.data.list.id);
  }

  /** Opens a list (an invite code opens a private one); the previous one stops being heard. */
  async open(listId: string, inviteCode?: string): Promise<boolean> {
    if (!this.socket.connected) {
      notices.error('You are offline: lists open once the connection is back.');
      return false;
    }
    const previous = this.currentListId;
    if (previous === listId && this.list && !inviteCode) return true;
    if (previous && previous !== listId) {
      void this.request(ListsCommand.ListLeave, { listId: previous });
    }
    // Nothing of the previous list may show while this one is joined.
    this.close();
    this.currentListId = listId;
    const result = await this.join(listId, { inviteCode });
    if (result !== 'joined' && this.currentListId === listId) this.close();
    return result === 'joined';
  }

  async rename(title: string): Promise<boolean> {
    const list = this.list;
    if (!list) return false;
    const outcome = await this.request(ListsCommand.ListRename, { opId: newOpId(), listId: list.id, title });
    if (!outcome.ok) notices.error(`Could not rename the list: ${outcome.error.message}`);
    else this.adoptList(outcome.data.list);
    return outcome.ok;
  }

  /** Owner only. */
  async deleteList(): Promise<boolean> {
    const list = this.list;
    if (!list) return false;
    const outcome = await this.request(ListsCommand.ListDelete, { opId: newOpId(), listId: list.id });
    if (!outcome.ok) {
      notices.error(`Could not delete the list: ${outcome.error.message}`);
      return false;
    }
    this.forget(list.id);
    notices.info(`Deleted the list ${quote(list.title)}.`);
    return true;
  }

  // ---- items: every change is shown at once, then sent --------------------------------------

  addItem(text: string): void {
    const listId = this.currentListId;
    if (!listId) return;
    const last = this.items.at(-1) ?? null;
    const position = keyBetweenShown(last, null) ?? last?.position ?? 'a0';
    this.enqueue({ kind: 'create', listId, tempId: `${temporaryPrefix}${newOpId()}`, text, position });
  }

  /**
   * `seen` is the item as it was when the edit began: an edit names that version, so a change
   * somebody else made meanwhile is answered `CONFLICT` instead of being silently overwritten.
   */
  editText(item: Item, text: string, seen: Pick<Item, 'text' | 'version'> = item): void {
    const trimmed = text.trim();
    if (!trimmed || trimmed === seen.text) return;
    this.enqueue({ kind: 'update', itemId: item.id, version: seen.version, patch: { text: trimmed } });
  }

  setDone(item: Item, done: boolean): void {
    if (done === item.done) return;
    this.enqueue({ kind: 'update', itemId: item.id, version: item.version, patch: { done } });
  }

  remove(item: Item): void {
    this.enqueue({ kind: 'delete', itemId: item.id, version: item.version });
  }

  /** Undoes the delete on offer. */
  restore(): void {
    const offer = this.undo;
    if (!offer) return;
    this.dismissUndo();
    this.enqueue({ kind: 'restore', itemId: offer.item.id, version: offer.item.version, item: offer.item });
  }

  dismissUndo(): void {
    if (this.undoTimer) clearTimeout(this.undoTimer);
    this.undoTimer = null;
    this.undo = null;
  }

  /** One place up (-1) or down (+1) in the list as shown. */
  moveBy(item: Item, step: -1 | 1): void {
    const items = this.items;
    const index = items.findIndex((shown) => shown.id === item.id);
    if (index < 0) return;
    const target = index + step;
    if (target < 0 || target >= items.length) return;
    const others = items.filter((shown) => shown.id !== item.id);
    this.moveBetween(item, others[target - 1] ?? null, others[target] ?? null);
  }

  /**
   * Puts the item between two shown neighbours (null: an end of the list). The server places it
   * right after `before` as it stands then; the key shown meanwhile is computed here.
   */
  moveBetween(item: Item, before: Item | null, after: Item | null): void {
    const position = keyBetweenShown(before, after) ?? item.position;
    this.enqueue({
      kind: 'move',
      itemId: item.id,
      version: item.version,
      position,
      afterId: before?.id ?? null,
      ...(after ? { beforeId: after.id } : {}),
    });
  }

  /** Sends the change that lost a race again, against the item as it is now. */
  reapply(itemId: string): void {
    const conflict = this.conflicts[itemId];
    delete this.conflicts[itemId];
    const current = this.confirmed[itemId];
    if (!conflict?.retry || !current) return;
    this.enqueue({ ...conflict.retry, version: current.version } as Operation);
  }

  dismissConflict(itemId: string): void {
    delete this.conflicts[itemId];
  }

  private enqueue(operation: Operation): void {
    if ('itemId' in operation) delete this.conflicts[operation.itemId];
    this.pending.push({ ...operation, opId: newOpId(), status: 'queued' });
    void this.pump();
  }

  /** Sends queued changes one at a time, in order, while connected and not joining. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const next = this.pending[0];
        if (!next || next.status !== 'queued' || !this.canSend() || this.joining) return;
        next.status = 'sending';
        const outcome = await this.transmit(next);
        if (!this.settle(next.opId, outcome)) return;
      }
    } finally {
      this.pumping = false;
    }
  }

  private transmit(operation: PendingOperation): Promise<CommandOutcome<{ item: Item }>> {
    const { opId } = operation;
    switch (operation.kind) {
      case 'create':
        return this.request(ListsCommand.ItemCreate, { opId, listId: operation.listId, text: operation.text });
      case 'update':
        return this.request(ListsCommand.ItemUpdate, {
          opId,
          itemId: operation.itemId,
          version: operation.version,
          patch: operation.patch,
        });
      case 'delete':
        return this.request(ListsCommand.ItemDelete, { opId, itemId: operation.itemId, version: operation.version });
      case 'restore':
        return this.request(ListsCommand.ItemRestore, { opId, itemId: operation.itemId, version: operation.version });
      case 'move': {
        const { itemId, version, afterId, beforeId } = operation;
        return this.request(ListsCommand.ItemMove, {
          opId,
          itemId,
          version,
          ...(afterId !== undefined ? { afterId } : {}),
          ...(beforeId !== undefined ? { beforeId } : {}),
        });
      }
    }
  }

  /** Applies an answer; returns whether the queue may go on. */
  private settle(opId: string, outcome: CommandOutcome<{ item: Item }>): boolean {
    const index = this.pending.findIndex((entry) => entry.opId === opId);
    const operation = this.pending[index];
    if (!operation) return true;
    if (outcome.ok) {
      this.pending.splice(index, 1);
      const { item } = outcome.data;
      this.confirm(item);
      // Later changes of this user to the same item were made on top of this one's result.
      for (const later of this.pending) {
        if (operation.kind === 'create') {
          // Made on the item before it had its id: they name it now.
          if ('itemId' in later && later.itemId === operation.tempId) {
            later.itemId = item.id;
            later.version = item.version;
          }
          if (later.kind === 'move' && later.afterId === operation.tempId) later.afterId = item.id;
          if (later.kind === 'move' && later.beforeId === operation.tempId) later.beforeId = item.id;
        } else if ('itemId' in later && later.itemId === item.id && later.version === operation.version) {
          later.version = item.version;
        }
      }
      if (operation.kind === 'delete') this.offerUndo(item);
      return true;
    }
    const { code, message, details } = outcome.error;
    // Unanswered: perhaps applied, perhaps not; the same opId is sent again, which is safe either way.
    const plan =
      code === ClientErrorCode.NoAnswer && this.canSend() ? unansweredRetryMs : this.retryPlan(outcome.error);
    if (plan !== null) {
      operation.status = 'queued';
      if (plan !== 'reconnect') this.retryLater(plan, () => void this.pump());
      return false;
    }
    this.pending.splice(index, 1);
    if (operation.kind === 'create') {
      // What was done to the item that could not be created goes with it.
      this.pending = this.pending.filter((later) => !('itemId' in later) || later.itemId !== operation.tempId);
    }
    if (code === ErrorCode.Conflict && (details as Partial<ItemConflictDetails> | undefined)?.current) {
      this.onConflict(operation, (details as ItemConflictDetails).current);
      return true;
    }
    // Anything else is final: the change is rolled back (it no longer shows) and said so.
    const what =
      operation.kind === 'create' ? `add ${quote(operation.text)}` : `change ${quote(this.textOf(operation.itemId))}`;
    notices.error(`Could not ${what}: ${message}`);
    if (code === ErrorCode.NotFound && 'itemId' in operation) delete this.confirmed[operation.itemId];
    return true;
  }

  private onConflict(operation: Operation, current: Item): void {
    this.confirm(current);
    const itemId = current.id;
    // Changes queued behind the refused one were made on the state it would have produced.
    const followers = this.pending.filter(
      (later) =>
        'itemId' in later && later.itemId === itemId && 'version' in operation && later.version === operation.version,
    );
    this.pending = this.pending.filter((later) => !followers.includes(later));
    const wanted = [operation, ...followers].reduce<Operation>(
      (merged, next) =>
        merged.kind === 'update' && next.kind === 'update'
          ? { ...merged, patch: { ...merged.patch, ...next.patch } }
          : next,
      operation,
    );
    const by = current.updatedBy.id === this.me.id ? 'you, in another tab' : current.updatedBy.name;
    if (current.deletedAt) {
      this.conflicts[itemId] = {
        itemId,
        message: `deleted by ${by} — ${describe(wanted)} was not applied`,
        retry: null,
      };
      return;
    }
    if (wanted.kind === 'restore') {
      this.conflicts[itemId] = { itemId, message: `already restored by ${by}`, retry: null };
      return;
    }
    const shown = wanted.kind === 'update' && wanted.patch.text !== undefined ? 'the current text' : 'the current item';
    this.conflicts[itemId] = {
      itemId,
      message: `changed by ${by} — showing ${shown}; ${describe(wanted)}`,
      retry: wanted,
    };
  }

  private offerUndo(item: Item): void {
    this.dismissUndo();
    this.undo = { item, id: this.nextUndoId++ };
    this.undoTimer = setTimeout(() => this.dismissUndo(), undoMs);
  }

  private textOf(itemId: string): string {
    return this.confirmed[itemId]?.text ?? 'the item';
  }

  /** Takes the server's item if it is newer than the one held. */
  private confirm(item: Item): void {
    if (item.listId !== this.currentListId) return;
    const held = this.confirmed[item.id];
    if (held && held.version > item.version) return;
    if (item.deletedAt) delete this.confirmed[item.id];
    else this.confirmed[item.id] = item;
  }

  private project(): ItemView[] {
    const shown = new Map<string, ItemView>();
    for (const item of Object.values(this.confirmed)) shown.set(item.id, { ...item, saving: false });
    for (const operation of this.pending) {
      switch (operation.kind) {
        case 'create':
          if (operation.listId !== this.currentListId) break;
          shown.set(operation.tempId, {
            id: operation.tempId,
            listId: operation.listId,
            text: operation.text,
            done: false,
            position: operation.position,
            version: 0,
            createdBy: this.me,
            updatedBy: this.me,
            createdAt: '',
            updatedAt: '',
            saving: true,
          });
          break;
        case 'update': {
          const item = shown.get(operation.itemId);
          if (item) shown.set(item.id, { ...item, ...operation.patch, saving: true });
          break;
        }
        case 'delete':
          shown.delete(operation.itemId);
          break;
        case 'restore':
          if (operation.item.listId === this.currentListId) {
            const restored: ItemView = { ...operation.item, saving: true };
            delete restored.deletedAt;
            shown.set(operation.itemId, restored);
          }
          break;
        case 'move': {
          const item = shown.get(operation.itemId);
          if (item) shown.set(item.id, { ...item, position: operation.position, saving: true });
          break;
        }
      }
    }
    return [...shown.values()].sort(byPosition);
  }

  // ---- broadcasts, joins and the connection ------------------------------------------------

  private onBroadcast(event: ListsEvent, data: ItemChanged | ListUpdated | ListDeleted): void {
    if (data.listId !== this.currentListId) return;
    if (this.joining) {
      this.held.push({ event, data });
      return;
    }
    this.reorder.push({ seq: data.seq, event, data });
  }

  private apply(event: ListsEvent, data: ItemChanged | ListUpdated | ListDeleted, live: boolean): void {
    if (data.seq <= this.seq) return;
    this.seq = data.seq;
    switch (event) {
      case ListsBroadcast.ListUpdated:
        this.adoptList((data as ListUpdated).list);
        return;
      case ListsBroadcast.ListDeleted: {
        const title = this.list?.title ?? 'this list';
        this.forget(data.listId);
        notices.info(`The list ${quote(title)} was deleted by its owner.`);
        return;
      }
      default: {
        const { item } = data as ItemChanged;
        this.confirm(item);
        if (live && item.updatedBy.id !== this.me.id) this.flash(item.id);
      }
    }
  }

  private flash(itemId: string): void {
    clearTimeout(this.highlightTimers.get(itemId));
    this.highlighted[itemId] = true;
    this.highlightTimers.set(
      itemId,
      setTimeout(() => {
        delete this.highlighted[itemId];
        this.highlightTimers.delete(itemId);
      }, highlightMs),
    );
  }

  /**
   * Joins (or rejoins with `sinceSeq`): the answer's snapshot or missed changes are applied,
   * then the broadcasts held meanwhile (those already included are dropped by their seq).
   */
  private async join(
    listId: string,
    { sinceSeq, inviteCode, resuming = false }: { sinceSeq?: number; inviteCode?: string; resuming?: boolean } = {},
  ): Promise<JoinResult> {
    this.joining = true;
    this.held = [];
    const outcome = await this.request(ListsCommand.ListJoin, {
      listId,
      ...(sinceSeq !== undefined ? { sinceSeq } : {}),
      ...(inviteCode ? { inviteCode } : {}),
    });
    const held = this.held;
    this.held = [];
    this.joining = false;
    // Another list was opened meanwhile: this answer is for nobody (callers close only the open one).
    if (this.currentListId !== listId) return 'refused';
    if (!outcome.ok) {
      const result = this.joinFailed(outcome.error, 'the list', resuming);
      if (result === 'gone' && sinceSeq !== undefined) this.forget(listId);
      return result;
    }
    const joined = outcome.data;
    this.adoptList(joined.list);
    if ('changes' in joined) {
      for (const change of joined.changes) this.apply(change.event, change.data, true);
    } else {
      this.confirmed = Object.fromEntries(joined.items.map((item) => [item.id, item]));
      this.seq = joined.seq;
    }
    for (const { event, data } of held) this.reorder.push({ seq: data.seq, event, data });
    this.reorder.drain();
    this.remember(listId);
    if (!this.lists.some((listed) => listed.id === listId)) void this.refreshCatalog(true);
    void this.pump();
    return 'joined';
  }

  private adoptList(list: List): void {
    const inviteCode = list.inviteCode ?? this.lists.find((listed) => listed.id === list.id)?.inviteCode;
    const adopted = { ...list, ...(inviteCode ? { inviteCode } : {}) };
    if (this.currentListId === list.id) this.list = adopted;
    this.lists = this.lists.map((listed) => (listed.id === list.id ? adopted : listed));
  }

  /** The list is gone (deleted, or no longer reachable). */
  private forget(listId: string): void {
    this.lists = this.lists.filter((listed) => listed.id !== listId);
    this.pending = this.pending.filter((entry) => entry.kind !== 'create' || entry.listId !== listId);
    if (this.currentListId === listId) {
      this.remember(null);
      this.close();
    }
  }

  private close(): void {
    this.currentListId = null;
    this.list = null;
    this.confirmed = {};
    this.seq = 0;
    this.reorder.clear();
    this.conflicts = {};
    this.dismissUndo();
  }

  /** Rejoins the open list from its known seq (on the first visit, the list open last time). */
  protected override async resync(firstTime: boolean): Promise<void> {
    const listId = this.currentListId ?? (firstTime ? this.remembered() : null);
    if (!listId) return;
    const resume = this.currentListId === listId && this.list !== null;
    this.currentListId = listId;
    const result = await this.join(listId, { sinceSeq: resume ? this.seq : undefined, resuming: true });
    // `later`: the list stays in view, as last seen, until the next connection catches it up.
    if ((result === 'gone' || result === 'refused') && this.currentListId === listId) this.close();
  }

  protected override flush(): void {
    void this.pump();
  }

  protected override queued(): PendingOperation[] {
    return this.pending.map((entry) => (entry.status === 'sending' ? { ...entry, status: 'queued' as const } : entry));
  }

  protected override lastSeen(): ListsLastSeen {
    const list = this.list;
    return {
      lists: this.lists,
      open: list ? { list, items: Object.values(this.confirmed), seq: this.seq } : null,
    };
  }

  /** The open list comes back as last seen, resynced from its `seq` on connecting; the changes made on it go first. */
  protected override restoreKept({ commands, lastSeen }: Kept<PendingOperation, ListsLastSeen>): void {
    if (lastSeen && this.lists.length === 0) this.lists = lastSeen.lists;
    const open = lastSeen?.open;
    if (open && this.currentListId === null) {
      this.currentListId = open.list.id;
      this.list = open.list;
      this.confirmed = Object.fromEntries(open.items.map((item) => [item.id, item]));
      this.seq = open.seq;
    }
    const made = new Set(this.pending.map((entry) => entry.opId));
    this.pending = [...commands.filter((entry) => !made.has(entry.opId)), ...this.pending];
  }
}
