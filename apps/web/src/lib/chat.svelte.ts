import {
  ChatBroadcast,
  ChatCommand,
  ChatSignal,
  ErrorCode,
  Limits,
  Namespace,
  type ChatChange,
  type Message,
  type MessageCreated,
  type PresenceChanged,
  type Room,
  type TypingChanged,
  type User,
} from '@tandem/contract';
import { NamespaceManager, newOpId } from './namespace-manager.svelte.js';
import { notices } from './notices.svelte.js';
import type { SessionLink } from './session.svelte.js';

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
  members: User[];
  typing: User[];
  /** `joining` while a (re)join is in flight; broadcasts are held until it answers. */
  status: 'joining' | 'joined';
  hasOlder: boolean;
  loadingOlder: boolean;
  unread: number;
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
 * every live broadcast, only `seq` above the room's known `seq` is applied.
 */
export class ChatManager extends NamespaceManager<typeof Namespace.Chat> {
  rooms = $state<Room[]>([]);
  views = $state<Record<string, RoomView>>({});
  currentRoomId = $state<string | null>(null);

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
  private readonly held = new Map<string, { created: MessageCreated[]; presence: PresenceChanged | null }>();
  private readonly joins = new Map<string, Promise<boolean>>();
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly typingSent = new Map<string, { at: number; idle: ReturnType<typeof setTimeout> }>();

  constructor(session: SessionLink) {
    super(Namespace.Chat, session, 'room');
  }

  protected override subscribe(): void {
    this.socket.on(ChatBroadcast.MessageCreated, (payload) => this.onMessageCreated(payload));
    this.socket.on(ChatBroadcast.Presence, (payload) => this.onPresence(payload));
    this.socket.on(ChatBroadcast.Typing, (payload) => this.onTyping(payload));
    this.listen(document, 'visibilitychange', () => {
      if (!document.hidden && this.current) this.current.unread = 0;
    });
  }

  protected override dispose(): void {
    for (const timer of this.typingTimers.values()) clearTimeout(timer);
    for (const sent of this.typingSent.values()) clearTimeout(sent.idle);
  }

  // ---- rooms --------------------------------------------------------------------------------

  refreshCatalog(quiet = false): Promise<void> {
    return this.loadCatalog(
      quiet,
      'the rooms',
      () => this.request(ChatCommand.RoomList, {}),
      (data) => (this.rooms = data.rooms),
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
      this.makeCurrent(roomId);
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
    if (this.socket.connected) this.socket.volatile.emit(ChatSignal.Typing, { roomId, typing: false });
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
    this.held.set(roomId, { created: [], presence: null });
    const outcome = await this.request(ChatCommand.RoomJoin, {
      roomId,
      ...(known ? { sinceSeq: known.seq } : {}),
      ...(inviteCode ? { inviteCode } : {}),
    });
    const held = this.held.get(roomId) ?? { created: [], presence: null };
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
        members: data.members,
        typing: view?.typing ?? [],
        status: 'joining',
        hasOlder: data.messages.length >= Limits.snapshotMessages,
        loadingOlder: false,
        unread: view?.unread ?? 0,
      };
      this.views[roomId] = fresh;
      view = this.views[roomId];
    }
    if (!view) return false;
    for (const created of held.created) this.applyCreated(view, created);
    // A presence held during the join is newer than the answer's if it already lists us.
    if (held.presence?.members.some((member) => member.id === this.me.id)) view.members = held.presence.members;
    view.status = 'joined';
    return true;
  }

  private applyChange(view: RoomView, change: ChatChange): void {
    switch (change.event) {
      case ChatBroadcast.MessageCreated:
        this.applyCreated(view, change.data);
        break;
    }
  }

  private applyCreated(view: RoomView, payload: MessageCreated): void {
    if (payload.seq <= view.seq) return;
    insertMessage(view.messages, payload.message);
    view.seq = payload.seq;
    this.clearTyping(view, payload.message.author.id);
    if (payload.message.author.id !== this.me.id && (view.room.id !== this.currentRoomId || document.hidden)) {
      view.unread += 1;
    }
  }

  private onMessageCreated(payload: MessageCreated): void {
    const held = this.held.get(payload.roomId);
    if (held) {
      held.created.push(payload);
      return;
    }
    const view = this.views[payload.roomId];
    if (!view || payload.seq <= view.seq) return;
    if (payload.seq > view.seq + 1) {
      // A change went missing on the way: replay from the known seq, holding this one meanwhile.
      void this.join(payload.roomId);
      this.held.get(payload.roomId)?.created.push(payload);
      return;
    }
    this.applyCreated(view, payload);
  }

  private onPresence(payload: PresenceChanged): void {
    const held = this.held.get(payload.roomId);
    if (held) held.presence = payload;
    const view = this.views[payload.roomId];
    if (view) view.members = payload.members;
  }

  private onTyping(payload: TypingChanged): void {
    const view = this.views[payload.roomId];
    if (!view || payload.user.id === this.me.id) return;
    if (!payload.typing) {
      this.clearTyping(view, payload.user.id);
      return;
    }
    if (!view.typing.some((user) => user.id === payload.user.id)) view.typing.push(payload.user);
    const key = `${payload.roomId}:${payload.user.id}`;
    clearTimeout(this.typingTimers.get(key));
    this.typingTimers.set(
      key,
      setTimeout(() => {
        const current = this.views[payload.roomId];
        if (current) this.clearTyping(current, payload.user.id);
      }, typingTimeoutMs),
    );
  }

  private clearTyping(view: RoomView, userId: string): void {
    const key = `${view.room.id}:${userId}`;
    clearTimeout(this.typingTimers.get(key));
    this.typingTimers.delete(key);
    if (view.typing.some((user) => user.id === userId)) view.typing = view.typing.filter((user) => user.id !== userId);
  }

  private forgetTyping(roomId: string): void {
    this.stopTyping(roomId);
    const view = this.views[roomId];
    if (view) for (const user of view.typing) this.clearTyping(view, user.id);
  }

  private makeCurrent(roomId: string): void {
    this.currentRoomId = roomId;
    const view = this.views[roomId];
    if (view) view.unread = 0;
    this.remember(roomId);
  }

  // ---- connection ---------------------------------------------------------------------------

  /** Rejoins every open room from its known seq; on the first visit, the room open last time. */
  protected override async resync(firstTime: boolean): Promise<void> {
    const rejoins = Object.keys(this.views).map((roomId) => this.join(roomId));
    const remembered = firstTime && rejoins.length === 0 ? this.remembered() : null;
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
