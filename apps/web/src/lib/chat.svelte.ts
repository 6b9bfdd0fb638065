import {
  ChatBroadcast,
  ChatCommand,
  ChatSignal,
  ErrorCode,
  Limits,
  Namespace,
  countsAsUnread,
  type ChatChange,
  type Message,
  type MessageChanged,
  type MessageCreated,
  type PresenceChanged,
  type PresenceMember,
  type ReadMarker,
  type ReadUpdated,
  type Room,
  type RoomUpdated,
  type TypingChanged,
  type User,
} from '@tandem/contract';
import { NamespaceManager, newOpId } from './namespace-manager.svelte.js';
import { notices } from './notices.svelte.js';
import type { Kept } from './outbox.js';
import { SeqReorder } from './seq-reorder.js';
import type { SessionLink } from './session.svelte.js';
import { applyPresence, presenceFrom } from './presence.js';
import type { CommandOutcome } from './sockets.js';

/** A message written here and not yet acknowledged by the server. */
export interface OutgoingMessage {
  /** Made once, kept across retries: the server applies one `opId` at most once. */
  opId: string;
  roomId: string;
  text: string;
  createdAt: string;
  /** `queued`: waits for a connection; `sending`: on the wire; `failed`: refused or unanswered. */
  status: 'queued' | 'sending' | 'failed';
  error: string | null;
}

export interface RoomView {
  room: Room;
  /** The last `seq` applied to `messages`: broadcasts at or below it are already here. */
  seq: number;
  /** Oldest first. */
  messages: Message[];
  outbox: OutgoingMessage[];
  /** The first page of online members (kept as last seen: restored ones may lack `status`). */
  members: PresenceMember[];
  /** How many are online in all. */
  online: number;
  /** The presence version of `members`: a `presence` delta applies to the one before it. */
  presenceVersion: number;
  typing: User[];
  /** How many others type, as the last `typing` said (more than `typing` names in a big room). */
  typingCount: number;
  /** `joining` while a (re)join is in flight; broadcasts are held until it answers. */
  status: 'joining' | 'joined';
  hasOlder: boolean;
  loadingOlder: boolean;
  unread: number;
  /** Those of `unread` that mention the user. */
  mentions: number;
  /** The user's own read marker. */
  readSeq: number;
  /** Every member's read marker ("seen by", and who is offline). */
  readMarkers: ReadMarker[];
  /** The read marker when the room was last made current: "new messages" start after it. */
  dividerSeq: number;
}

/** A room's unread counts as `room:list` last gave them (rooms without a view hear no broadcasts). */
export interface UnreadCounts {
  unread: number;
  mentions: number;
}

/** `activity` is sent at most this often: the server turns a user away after minutes, not seconds. */
const activityRepeatMs = 30_000;
/** `room:read` is sent at most this often per room while messages arrive. */
const readRepeatMs = 1_000;

/** Replaces a held message by id (edits, reactions and deletes carry the whole message). */
function replaceMessage(messages: Message[], message: Message): Message | null {
  const index = messages.findIndex((held) => held.id === message.id);
  if (index === -1) return null;
  const previous = messages[index] ?? null;
  messages[index] = message;
  return previous;
}

function mentionsUser(message: Message, userId: string): boolean {
  return message.mentions.some((user) => user.id === userId);
}

/** The joined rooms as last seen (their latest messages), and the room list: shown after a reload until it connects. */
export interface ChatLastSeen {
  rooms: Room[];
  views: Pick<RoomView, 'room' | 'seq' | 'messages' | 'members' | 'online' | 'hasOlder'>[];
}

/** Typing indicators disappear when nothing refreshes them for this long. */
export const typingTimeoutMs = 3_000;
/** While typing, "typing" is repeated this often, comfortably inside the timeout above. */
const typingRepeatMs = 2_000;
/** Stop announcing typing after this much time without a keystroke. */
const typingIdleMs = 3_000;
/** Inserts by `seq`, ignoring a message already held (the ack and the broadcast both bring it). */
function insertMessage(messages: Message[], message: Message): void {
  const last = messages.at(-1);
  if (!last || last.seq < message.seq) {
    messages.push(message);
    return;
  }
  if (messages.some((held) => held.id === message.id)) return;
  const index = messages.findIndex((held) => held.seq > message.seq);
  messages.splice(index === -1 ? messages.length : index, 0, message);
}

/**
 * The `/chat` state of one signed-in user: the room list, the joined rooms with their messages,
 * presence and typing, the outbox of unacknowledged messages, and the connection's health.
 *
 * Consistency rule: a room's broadcasts carry `seq`. While a join is in flight they are held
 * (the server subscribes before it reads, so some are also in the answer); afterwards, and for
 * every live broadcast, only `seq` above the room's known `seq` is applied, in order: one that
 * came early waits briefly for the missing ones before the room rejoins (`SeqReorder`).
 */
export class ChatManager extends NamespaceManager<typeof Namespace.Chat, OutgoingMessage, ChatLastSeen> {
  rooms = $state<Room[]>([]);
  views = $state<Record<string, RoomView>>({});
  currentRoomId = $state<string | null>(null);
  /** Unread counts of listed rooms, by id, from `room:list`. */
  listedUnread = $state<Record<string, UnreadCounts>>({});
  /** The message being edited in place, if any. */
  editingId = $state<string | null>(null);

  readonly current: RoomView | null = $derived(this.currentRoomId ? (this.views[this.currentRoomId] ?? null) : null);
  /** The current room's `Room`, known from the list before its join answers. */
  readonly currentRoom: Room | null = $derived(
    this.current?.room ?? this.rooms.find((room) => room.id === this.currentRoomId) ?? null,
  );
  /** Listed rooms plus joined ones the list does not show yet (just joined by id). */
  readonly sidebarRooms: Room[] = $derived([
    ...this.rooms,
    ...Object.values(this.views)
      .map((view) => view.room)
      .filter((room) => !this.rooms.some((listed) => listed.id === room.id)),
  ]);

  /** Unsent composer text per room, kept while switching rooms. */
  readonly drafts = new Map<string, string>();

  /** Broadcasts received while a room's join is in flight, by room id. */
  private readonly held = new Map<string, { changes: ChatChange[]; presence: PresenceChanged[] }>();
  private readonly joins = new Map<string, Promise<boolean>>();
  private readonly reorders = new Map<string, SeqReorder<ChatChange>>();
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly typingSent = new Map<string, { at: number; idle: ReturnType<typeof setTimeout> }>();
  private activitySentAt = 0;
  private readonly readSent = new Map<string, { at: number; timer: ReturnType<typeof setTimeout> | null }>();

  constructor(session: SessionLink) {
    super(Namespace.Chat, session, 'room');
  }

  protected override subscribe(): void {
    this.socket.on(ChatBroadcast.MessageCreated, (data) =>
      this.onChange({ event: ChatBroadcast.MessageCreated, seq: data.seq, data }),
    );
    this.socket.on(ChatBroadcast.MessageUpdated, (data) =>
      this.onChange({ event: ChatBroadcast.MessageUpdated, seq: data.seq, data }),
    );
    this.socket.on(ChatBroadcast.MessageDeleted, (data) =>
      this.onChange({ event: ChatBroadcast.MessageDeleted, seq: data.seq, data }),
    );
    this.socket.on(ChatBroadcast.RoomUpdated, (data) =>
      this.onChange({ event: ChatBroadcast.RoomUpdated, seq: data.seq, data }),
    );
    this.socket.on(ChatBroadcast.ReadUpdated, (payload) => this.onReadUpdated(payload));
    this.socket.on(ChatBroadcast.RoomLeft, ({ roomId }) => {
      // Left in another tab: this one stops showing the room too.
      this.forget(roomId);
      void this.refreshCatalog(true);
    });
    this.socket.on(ChatBroadcast.Presence, (payload) => this.onPresence(payload));
    this.socket.on(ChatBroadcast.Typing, (payload) => this.onTyping(payload));
    this.listen(document, 'visibilitychange', () => {
      if (!document.hidden && this.current) this.current.unread = 0;
    });
    for (const type of ['keydown', 'pointerdown', 'focus']) this.listen(window, type, () => this.noteActivity());
  }

  protected override dispose(): void {
    for (const timer of this.typingTimers.values()) clearTimeout(timer);
    for (const sent of this.typingSent.values()) clearTimeout(sent.idle);
    for (const sent of this.readSent.values()) if (sent.timer) clearTimeout(sent.timer);
    for (const reorder of this.reorders.values()) reorder.clear();
  }

  // ---- rooms --------------------------------------------------------------------------------

  refreshCatalog(quiet = false): Promise<void> {
    return this.loadCatalog(
      quiet,
      'the rooms',
      () => this.request(ChatCommand.RoomList, {}),
      (data) => {
        this.rooms = data.rooms;
        this.listedUnread = Object.fromEntries(
          data.rooms.map((room) => [room.id, { unread: room.unread, mentions: room.mentions }]),
        );
      },
    );
  }

  async createRoom(name: string, isPrivate: boolean): Promise<boolean> {
    const outcome = await this.request(ChatCommand.RoomCreate, {
      name,
      visibility: isPrivate ? 'private' : 'public',
    });
    if (!outcome.ok) {
      notices.error(`Could not create the room: ${outcome.error.message}`);
      return false;
    }
    const { room } = outcome.data;
    if (!this.rooms.some((listed) => listed.id === room.id)) this.rooms = [...this.rooms, room];
    return this.open(room.id);
  }

  /** Makes a room current, joining it first if needed (an invite code opens a private room). */
  async open(roomId: string, inviteCode?: string): Promise<boolean> {
    const view = this.views[roomId];
    if (view && !inviteCode) {
      this.makeCurrent(roomId);
      return true;
    }
    if (!this.socket.connected) {
      notices.error('You are offline: rooms open once the connection is back.');
      return false;
    }
    const previous = this.currentRoomId;
    this.currentRoomId = roomId;
    const joined = await this.join(roomId, inviteCode);
    if (joined) {
      // Unless another room was opened while this one joined.
      if (this.currentRoomId === roomId) this.makeCurrent(roomId);
      if (!this.rooms.some((listed) => listed.id === roomId)) void this.refreshCatalog(true);
    } else if (this.currentRoomId === roomId) {
      this.currentRoomId = previous;
    }
    return joined;
  }

  async leave(roomId: string): Promise<void> {
    const outcome = await this.request(ChatCommand.RoomLeave, { roomId });
    if (!outcome.ok) {
      notices.error(`Could not leave the room: ${outcome.error.message}`);
      return;
    }
    this.forget(roomId);
    await this.refreshCatalog(true);
  }

  private forget(roomId: string): void {
    this.forgetTyping(roomId);
    this.reorders.get(roomId)?.clear();
    this.reorders.delete(roomId);
    this.drafts.delete(roomId);
    delete this.views[roomId];
    if (this.currentRoomId === roomId) {
      this.currentRoomId = null;
      this.remember(null);
    }
  }

  async loadOlder(roomId: string): Promise<void> {
    const view = this.views[roomId];
    if (!view || view.loadingOlder) return;
    const oldest = view.messages[0];
    view.loadingOlder = true;
    const outcome = await this.request(ChatCommand.MessageHistory, {
      roomId,
      ...(oldest ? { before: oldest.seq } : {}),
      limit: Limits.historyPageDefault,
    });
    view.loadingOlder = false;
    if (!outcome.ok) {
      notices.error(`Could not load older messages: ${outcome.error.message}`);
      return;
    }
    const older = outcome.data.messages.filter((message) => !view.messages.some((held) => held.id === message.id));
    view.messages.unshift(...older);
    view.hasOlder = outcome.data.nextCursor !== null;
  }

  /** One page of `message:search` over the rooms the user may read; `cursor` asks for the next. */
  search(query: string, cursor?: string) {
    return this.request(ChatCommand.MessageSearch, { query, ...(cursor ? { cursor } : {}) });
  }

  /**
   * Opens the room with the message at `seq` held, older pages loaded until it is there (with
   * everything after it, as a room shows): where a search result jumps to.
   */
  async reveal(roomId: string, seq: number): Promise<boolean> {
    if (!(await this.open(roomId))) return false;
    for (;;) {
      const view = this.views[roomId];
      if (!view) return false;
      if (view.messages.some((message) => message.seq === seq)) return true;
      const held = view.messages.length;
      if (!view.hasOlder || (view.messages[0]?.seq ?? 0) < seq) return false;
      await this.loadOlder(roomId);
      if (this.views[roomId]?.messages.length === held) return false;
    }
  }

  /** The room's unread counts: live for joined rooms, as listed for the others. */
  unreadOf(roomId: string): UnreadCounts {
    const view = this.views[roomId];
    if (view) return { unread: view.unread, mentions: view.mentions };
    return this.listedUnread[roomId] ?? { unread: 0, mentions: 0 };
  }

  /** Owner only: renames the room (announced to its members by `room:updated`). */
  async rename(roomId: string, name: string): Promise<boolean> {
    const outcome = await this.request(ChatCommand.RoomRename, { opId: newOpId(), roomId, name });
    if (!outcome.ok) {
      notices.error(`Could not rename the room: ${outcome.error.message}`);
      return false;
    }
    this.applyRoom(outcome.data.room);
    return true;
  }

  /** Owner of a private room only: a new invite code; the old one stops working. */
  async rotateInvite(roomId: string): Promise<boolean> {
    const outcome = await this.request(ChatCommand.RoomInviteRotate, { opId: newOpId(), roomId });
    if (!outcome.ok) {
      notices.error(`Could not change the invite code: ${outcome.error.message}`);
      return false;
    }
    this.applyRoom(outcome.data.room);
    notices.info('New invite code: the old one no longer opens the room.');
    return true;
  }

  /**
   * Edits, deletes and reactions need the connection: unlike new messages they are not queued,
   * since they make no sense to replay against a message that may have changed meanwhile.
   */
  async edit(messageId: string, text: string): Promise<boolean> {
    return this.changeMessage('edit the message', () =>
      this.request(ChatCommand.MessageEdit, { opId: newOpId(), messageId, text }),
    );
  }

  async remove(messageId: string): Promise<boolean> {
    return this.changeMessage('delete the message', () =>
      this.request(ChatCommand.MessageDelete, { opId: newOpId(), messageId }),
    );
  }

  async toggleReaction(messageId: string, emoji: string): Promise<boolean> {
    return this.changeMessage('react', () =>
      this.request(ChatCommand.ReactionToggle, { opId: newOpId(), messageId, emoji }),
    );
  }

  private async changeMessage(
    what: string,
    send: () => Promise<CommandOutcome<{ message: Message }>>,
  ): Promise<boolean> {
    if (!this.canSend()) {
      notices.error(`You are offline: could not ${what}.`);
      return false;
    }
    const outcome = await send();
    if (!outcome.ok) {
      notices.error(`Could not ${what}: ${outcome.error.message}`);
      return false;
    }
    // The broadcast brings it too; the ack shows it at once.
    const { message } = outcome.data;
    const view = this.views[message.roomId];
    if (view) replaceMessage(view.messages, message);
    return true;
  }

  /** The last message of one's own that can still be edited, for Up in an empty composer. */
  lastEditable(roomId: string): Message | null {
    const messages = this.views[roomId]?.messages ?? [];
    for (let index = messages.length - 1; index >= 0; index--) {
      const message = messages[index];
      if (message && message.author.id === this.me.id && message.kind === 'user' && message.deletedAt === undefined)
        return message;
    }
    return null;
  }

  /**
   * The user sees the room's latest messages: moves their read marker there. Sent at most every
   * `readRepeatMs` per room, the last call of a burst included.
   */
  markRead(roomId: string): void {
    const view = this.views[roomId];
    if (!view || view.status !== 'joined' || view.seq <= view.readSeq || !this.canSend()) return;
    const sent = this.readSent.get(roomId);
    const wait = sent ? sent.at + readRepeatMs - Date.now() : 0;
    if (wait <= 0) {
      if (sent?.timer) clearTimeout(sent.timer);
      this.readSent.set(roomId, { at: Date.now(), timer: null });
      void this.sendRead(roomId, view.seq);
      return;
    }
    // The seq seen now, not the one the room has when the timer fires: by then the reader may be
    // elsewhere, and what arrived meanwhile is not read.
    const seen = view.seq;
    if (sent?.timer) clearTimeout(sent.timer);
    const timer = setTimeout(() => {
      this.readSent.set(roomId, { at: Date.now(), timer: null });
      if (this.canSend()) void this.sendRead(roomId, seen);
    }, wait);
    this.readSent.set(roomId, { at: sent?.at ?? 0, timer });
  }

  private async sendRead(roomId: string, seq: number): Promise<void> {
    const outcome = await this.request(ChatCommand.RoomRead, { roomId, seq });
    if (!outcome.ok) return;
    const view = this.views[roomId];
    if (view) this.moveReadMarker(view, outcome.data.readSeq);
    this.listedUnread[roomId] = { unread: outcome.data.unread, mentions: outcome.data.mentions };
  }

  /** "The person is here": keeps the user from being shown away, at most every `activityRepeatMs`. */
  noteActivity(): void {
    const now = Date.now();
    if (!this.socket.connected || now - this.activitySentAt < activityRepeatMs) return;
    this.activitySentAt = now;
    this.socket.volatile.emit(ChatSignal.Activity, {});
  }

  // ---- messages -----------------------------------------------------------------------------

  send(roomId: string, text: string): void {
    const view = this.views[roomId];
    if (!view) return;
    this.stopTyping(roomId);
    const entry: OutgoingMessage = {
      opId: newOpId(),
      roomId,
      text,
      createdAt: new Date().toISOString(),
      status: 'queued',
      error: null,
    };
    view.outbox.push(entry);
    if (this.canSend()) void this.deliver(roomId, entry.opId);
  }

  retry(roomId: string, opId: string): void {
    const entry = this.views[roomId]?.outbox.find((queued) => queued.opId === opId);
    if (!entry) return;
    entry.status = 'queued';
    entry.error = null;
    if (this.canSend()) void this.deliver(roomId, opId);
  }

  discard(roomId: string, opId: string): void {
    const view = this.views[roomId];
    if (view) view.outbox = view.outbox.filter((queued) => queued.opId !== opId);
  }

  private async deliver(roomId: string, opId: string): Promise<void> {
    const find = () => this.views[roomId]?.outbox.find((queued) => queued.opId === opId);
    const entry = find();
    if (!entry || entry.status === 'sending') return;
    entry.status = 'sending';
    const outcome = await this.request(ChatCommand.MessageSend, { opId, roomId, text: entry.text });
    const view = this.views[roomId];
    const sent = find();
    if (!view || !sent) return;
    if (outcome.ok) {
      view.outbox = view.outbox.filter((queued) => queued.opId !== opId);
      // The known seq moves only with the room's broadcasts, which keep it gap-free.
      insertMessage(view.messages, outcome.data.message);
      return;
    }
    const plan = this.retryPlan(outcome.error);
    if (plan !== null) {
      sent.status = 'queued';
      if (plan !== 'reconnect') this.retryLater(plan, () => void this.deliver(roomId, opId));
      return;
    }
    // Unanswered while connected included: shown as failed, for the user to retry or discard.
    sent.status = 'failed';
    sent.error = outcome.error.message;
  }

  /** Failed messages are kept too: after a reload they still offer Retry and Discard. */
  protected override queued(): OutgoingMessage[] {
    return Object.values(this.views).flatMap((view) =>
      view.outbox.map((entry) => (entry.status === 'sending' ? { ...entry, status: 'queued' as const } : entry)),
    );
  }

  /** The open room, and rooms with messages waiting: a reload rejoins no more than these. */
  protected override lastSeen(): ChatLastSeen {
    const kept = Object.values(this.views).filter(
      (view) => view.room.id === this.currentRoomId || view.outbox.length > 0,
    );
    return {
      rooms: this.rooms,
      views: kept.map((view) => ({
        room: view.room,
        seq: view.seq,
        // The latest page is enough to show; "Load older" pages back from it.
        messages: view.messages.slice(-Limits.snapshotMessages),
        members: view.members,
        online: view.online,
        hasOlder: view.hasOlder || view.messages.length > Limits.snapshotMessages,
      })),
    };
  }

  /** The rooms come back as last seen, rejoined from their `seq` on connecting; their messages with them. */
  protected override restoreKept({ commands, lastSeen }: Kept<OutgoingMessage, ChatLastSeen>): void {
    if (lastSeen && this.rooms.length === 0) this.rooms = lastSeen.rooms;
    for (const seen of lastSeen?.views ?? []) {
      if (this.views[seen.room.id]) continue;
      this.views[seen.room.id] = {
        ...seen,
        online: seen.online ?? seen.members.length,
        presenceVersion: 0,
        outbox: [],
        typing: [],
        typingCount: 0,
        status: 'joined',
        loadingOlder: false,
        unread: 0,
        mentions: 0,
        // Until the rejoin answers with the markers: nothing is shown as new or seen.
        readSeq: seen.seq,
        readMarkers: [],
        dividerSeq: seen.seq,
      };
    }
    for (const entry of commands) {
      // A message is kept after its room (see Outbox); a room that is not kept was left, and its
      // messages with it.
      const view = this.views[entry.roomId];
      if (!view || view.outbox.some((queued) => queued.opId === entry.opId)) continue;
      view.outbox.push(entry);
    }
    const remembered = this.remembered();
    if (this.currentRoomId === null && remembered && this.views[remembered]) this.makeCurrent(remembered);
  }

  protected override flush(): void {
    for (const view of Object.values(this.views)) {
      for (const entry of view.outbox) {
        if (entry.status === 'queued') void this.deliver(view.room.id, entry.opId);
      }
    }
  }

  // ---- typing -------------------------------------------------------------------------------

  /** Called on every keystroke in the composer: announces typing, at most every few seconds. */
  noteTyping(roomId: string): void {
    if (!this.socket.connected || this.views[roomId]?.status !== 'joined') return;
    const now = Date.now();
    const sent = this.typingSent.get(roomId);
    if (sent) clearTimeout(sent.idle);
    const idle = setTimeout(() => this.stopTyping(roomId), typingIdleMs);
    if (sent && now - sent.at < typingRepeatMs) {
      sent.idle = idle;
      return;
    }
    this.typingSent.set(roomId, { at: now, idle });
    this.socket.volatile.emit(ChatSignal.Typing, { roomId, typing: true });
  }

  stopTyping(roomId: string): void {
    const sent = this.typingSent.get(roomId);
    if (!sent) return;
    clearTimeout(sent.idle);
    this.typingSent.delete(roomId);
    // Not volatile: a "stopped typing" skipped on a busy connection would leave the indicator up.
    if (this.socket.connected) this.socket.emit(ChatSignal.Typing, { roomId, typing: false });
  }

  // ---- joins and broadcasts -----------------------------------------------------------------

  /** Joins (or rejoins with `sinceSeq`) one room; concurrent calls share one request. */
  private join(roomId: string, inviteCode?: string): Promise<boolean> {
    const running = this.joins.get(roomId);
    if (running) return running;
    const join = this.runJoin(roomId, inviteCode).finally(() => this.joins.delete(roomId));
    this.joins.set(roomId, join);
    return join;
  }

  private async runJoin(roomId: string, inviteCode?: string): Promise<boolean> {
    const known = this.views[roomId];
    if (known) known.status = 'joining';
    this.held.set(roomId, { changes: [], presence: [] });
    const outcome = await this.request(ChatCommand.RoomJoin, {
      roomId,
      ...(known ? { sinceSeq: known.seq } : {}),
      ...(inviteCode ? { inviteCode } : {}),
    });
    const held = this.held.get(roomId) ?? { changes: [], presence: [] };
    this.held.delete(roomId);

    if (!outcome.ok) {
      const { code, message } = outcome.error;
      if (known && (code === ErrorCode.Forbidden || code === ErrorCode.NotFound)) {
        // The room is gone, or we are no longer let in: stop showing it as joined.
        this.forget(roomId);
        notices.error(`You are no longer in "${known.room.name}": ${message}`);
        return false;
      }
      if (known) known.status = 'joined';
      // A rejoin the server cannot take now (draining, connection lost) is tried again on reconnect.
      if (!known || this.retryPlan(outcome.error) !== 'reconnect') notices.error(`Could not join the room: ${message}`);
      return false;
    }

    const data = outcome.data;
    let view = this.views[roomId];
    if ('changes' in data && view) {
      view.room = data.room;
      for (const change of data.changes) this.applyChange(view, change);
      view.seq = Math.max(view.seq, data.seq);
    } else if (!('changes' in data)) {
      // A first join, or a gap too old to replay: the snapshot replaces what was held.
      const fresh: RoomView = {
        room: data.room,
        seq: data.seq,
        messages: data.messages,
        outbox: view?.outbox ?? [],
        ...presenceFrom(data.presence),
        typing: view?.typing ?? [],
        typingCount: view?.typingCount ?? 0,
        status: 'joining',
        hasOlder: data.messages.length >= Limits.snapshotMessages,
        loadingOlder: false,
        unread: 0,
        mentions: 0,
        readSeq: data.readSeq,
        readMarkers: data.readMarkers,
        dividerSeq: view?.dividerSeq ?? data.readSeq,
      };
      this.views[roomId] = fresh;
      view = this.views[roomId];
    }
    if (!view) return false;
    view.readMarkers = data.readMarkers;
    this.moveReadMarker(view, data.readSeq);
    const reorder = this.reorderOf(roomId);
    for (const change of held.changes) reorder.push(change);
    reorder.drain();
    // Deltas heard during the join that are newer than the answer apply on top of it.
    Object.assign(view, presenceFrom(data.presence));
    for (const delta of held.presence.sort((a, b) => a.version - b.version)) this.onPresence(delta, view);
    view.status = 'joined';
    return true;
  }

  private applyChange(view: RoomView, change: ChatChange): void {
    switch (change.event) {
      case ChatBroadcast.MessageCreated:
        this.applyCreated(view, change.data);
        break;
      case ChatBroadcast.MessageUpdated:
      case ChatBroadcast.MessageDeleted:
        this.applyMessageChanged(view, change.data);
        break;
      case ChatBroadcast.RoomUpdated:
        this.applyRoomUpdated(view, change.data);
        break;
    }
  }

  private applyMessageChanged(view: RoomView, payload: MessageChanged): void {
    if (payload.seq <= view.seq) return;
    view.seq = payload.seq;
    const previous = replaceMessage(view.messages, payload.message);
    if (previous && payload.message.deletedAt !== undefined && countsAsUnread(previous, this.me.id, view.readSeq)) {
      // A deleted message no longer counts: the badge follows the server's rule.
      view.unread = Math.max(0, view.unread - 1);
      if (mentionsUser(previous, this.me.id)) view.mentions = Math.max(0, view.mentions - 1);
    }
    if (this.editingId === payload.message.id && payload.message.deletedAt !== undefined) this.editingId = null;
  }

  private applyRoomUpdated(view: RoomView, payload: RoomUpdated): void {
    if (payload.seq <= view.seq) return;
    view.seq = payload.seq;
    this.applyRoom(payload.room);
  }

  /** A room as an answer or broadcast gives it; an invite code already known is kept when it has none. */
  private applyRoom(room: Room): void {
    const view = this.views[room.id];
    if (view) view.room = { ...room, inviteCode: room.inviteCode ?? view.room.inviteCode };
    this.rooms = this.rooms.map((listed) =>
      listed.id === room.id ? { ...listed, ...room, inviteCode: room.inviteCode ?? listed.inviteCode } : listed,
    );
  }

  /** Moves the user's own marker forward (never back), recounting what is left unread. */
  private moveReadMarker(view: RoomView, readSeq: number): void {
    if (readSeq < view.readSeq) return;
    view.readSeq = readSeq;
    const unread = view.messages.filter((message) => countsAsUnread(message, this.me.id, readSeq));
    view.unread = unread.length;
    view.mentions = unread.filter((message) => mentionsUser(message, this.me.id)).length;
    this.setMarker(view, this.me, readSeq);
  }

  private setMarker(view: RoomView, user: User, readSeq: number): void {
    const marker = view.readMarkers.find((held) => held.user.id === user.id);
    if (!marker) view.readMarkers.push({ user, readSeq, lastSeenAt: null });
    else if (readSeq > marker.readSeq) marker.readSeq = readSeq;
  }

  private onReadUpdated(payload: ReadUpdated): void {
    const view = this.views[payload.roomId];
    if (!view) return;
    if (payload.user.id === this.me.id) this.moveReadMarker(view, payload.readSeq);
    else this.setMarker(view, payload.user, payload.readSeq);
  }

  private applyCreated(view: RoomView, payload: MessageCreated): void {
    if (payload.seq <= view.seq) return;
    insertMessage(view.messages, payload.message);
    view.seq = payload.seq;
    this.clearTyping(view, payload.message.author.id);
    if (
      countsAsUnread(payload.message, this.me.id, view.readSeq) &&
      (view.room.id !== this.currentRoomId || document.hidden)
    ) {
      view.unread += 1;
      if (mentionsUser(payload.message, this.me.id)) view.mentions += 1;
    }
  }

  /** Every logged broadcast (`message:*`, `room:updated`), applied in `seq` order like a replay. */
  private onChange(change: ChatChange): void {
    const roomId = change.data.roomId;
    const held = this.held.get(roomId);
    if (held) {
      held.changes.push(change);
      return;
    }
    if (this.views[roomId]) this.reorderOf(roomId).push(change);
  }

  /** A room's broadcasts in `seq` order; a gap still open after a short wait rejoins with `sinceSeq`. */
  private reorderOf(roomId: string): SeqReorder<ChatChange> {
    let reorder = this.reorders.get(roomId);
    if (!reorder) {
      reorder = new SeqReorder<ChatChange>({
        lastSeq: () => this.views[roomId]?.seq ?? Number.POSITIVE_INFINITY,
        apply: (change) => {
          const view = this.views[roomId];
          if (view) this.applyChange(view, change);
        },
        resync: () => void this.join(roomId),
      });
      this.reorders.set(roomId, reorder);
    }
    return reorder;
  }

  /** Deltas during a join wait for its answer; a missed one means fetching the first page again. */
  private onPresence(payload: PresenceChanged, joined?: RoomView): void {
    const held = joined ? undefined : this.held.get(payload.roomId);
    if (held) {
      held.presence.push(payload);
      return;
    }
    const view = joined ?? this.views[payload.roomId];
    if (view && applyPresence(view, payload) === 'gap') void this.refreshPresence(payload.roomId);
  }

  private async refreshPresence(roomId: string): Promise<void> {
    const outcome = await this.membersPage(roomId);
    const view = this.views[roomId];
    if (outcome.ok && view && view.status === 'joined') Object.assign(view, presenceFrom(outcome.data));
  }

  /** A page of the room's online users (the first without a cursor), for the member list. */
  membersPage(roomId: string, cursor?: string) {
    return this.request(ChatCommand.RoomMembers, { roomId, ...(cursor ? { cursor } : {}) });
  }

  private onTyping(payload: TypingChanged): void {
    const view = this.views[payload.roomId];
    if (!view) return;
    for (const userId of payload.stopped) this.clearTyping(view, userId);
    for (const user of payload.users) if (user.id !== this.me.id) this.markTyping(view, user);
    // The count includes this user while they type, named or not.
    const mine = payload.users.some((user) => user.id === this.me.id) || this.typingSent.has(payload.roomId);
    view.typingCount = Math.max(0, payload.count - (mine ? 1 : 0));
    const key = `${payload.roomId}:count`;
    clearTimeout(this.typingTimers.get(key));
    this.typingTimers.set(
      key,
      setTimeout(() => {
        const current = this.views[payload.roomId];
        if (current) current.typingCount = 0;
      }, typingTimeoutMs),
    );
  }

  private markTyping(view: RoomView, user: User): void {
    if (!view.typing.some((known) => known.id === user.id)) view.typing.push(user);
    const key = `${view.room.id}:${user.id}`;
    clearTimeout(this.typingTimers.get(key));
    this.typingTimers.set(
      key,
      setTimeout(() => {
        const current = this.views[view.room.id];
        if (current) this.clearTyping(current, user.id);
      }, typingTimeoutMs),
    );
  }

  private clearTyping(view: RoomView, userId: string): void {
    const key = `${view.room.id}:${userId}`;
    clearTimeout(this.typingTimers.get(key));
    this.typingTimers.delete(key);
    if (!view.typing.some((user) => user.id === userId)) return;
    view.typing = view.typing.filter((user) => user.id !== userId);
    // The count includes them: a message that ends their typing ends it in the count too.
    view.typingCount = Math.max(view.typing.length, view.typingCount - 1);
  }

  private forgetTyping(roomId: string): void {
    this.stopTyping(roomId);
    const view = this.views[roomId];
    if (view) for (const user of view.typing) this.clearTyping(view, user.id);
  }

  private makeCurrent(roomId: string): void {
    this.currentRoomId = roomId;
    const view = this.views[roomId];
    if (view) {
      view.unread = 0;
      view.mentions = 0;
      view.dividerSeq = view.readSeq;
    }
    if (this.editingId && !view?.messages.some((message) => message.id === this.editingId)) this.editingId = null;
    this.remember(roomId);
  }

  // ---- connection ---------------------------------------------------------------------------

  /**
   * Rejoins every open room from its known seq (rooms kept by an earlier visit included); on the
   * first connection, also the room open last time.
   */
  protected override async resync(firstTime: boolean): Promise<void> {
    const rejoins = Object.keys(this.views).map((roomId) => this.join(roomId));
    const last = firstTime ? this.remembered() : null;
    const remembered = last && !this.views[last] ? last : null;
    if (remembered) {
      void this.join(remembered).then((joined) => {
        if (joined && this.currentRoomId === null) this.makeCurrent(remembered);
        if (!joined) this.remember(null);
      });
    }
    await Promise.allSettled(rejoins);
  }

  protected override onDisconnected(): void {
    for (const view of Object.values(this.views)) {
      for (const user of view.typing) this.clearTyping(view, user.id);
    }
    this.typingSent.forEach((sent) => clearTimeout(sent.idle));
    this.typingSent.clear();
  }
}
