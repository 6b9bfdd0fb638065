import {
  ChatBroadcast,
  ChatCommand,
  ErrorCode,
  type ChatChange,
  type DirectoryChanged,
  type Namespace,
  type PresenceChanged,
} from '@tandem/contract';
import type { Connection } from '../connection.js';
import { Feature, type FeatureContext } from '../feature.js';
import { retryPlan } from '../retry.js';
import { SeqReorder } from '../seq-reorder.js';
import { ChatMessages } from './messages.js';
import { ChatRooms } from './rooms.js';
import type { ChatLastSeen, ChatState } from './chat-state.js';
import { applyJoined, applyPresenceDelta, applyRoomChange, type RoomState } from './room.js';
import { ChatSignals } from './signals.js';
import { ChatThreads } from './threads.js';

export type { ChatLastSeen, ChatState } from './chat-state.js';

type ChatNamespace = typeof Namespace.Chat;

/**
 * The `/chat` feature: the room list, the joined rooms with their messages, presence and typing,
 * and messages written here, which go through the outbox.
 *
 * Consistency rule: a room's broadcasts carry `seq`. While a join is in flight they are held
 * (the server subscribes before it reads, so some are also in the answer); afterwards, and for
 * every live broadcast, only `seq` above the room's known `seq` is applied, in order: one that
 * came early waits briefly for the missing ones before the room rejoins (`SeqReorder`).
 */
export class ChatFeature extends Feature<ChatNamespace, ChatState> {
  readonly rooms: ChatRooms;
  readonly messages: ChatMessages;
  readonly signals: ChatSignals;
  readonly threads: ChatThreads;
  /** Whether the user looks at a room now (its new messages are read as they come). */
  lookingAt: (roomId: string) => boolean = (roomId) => this.state.get().currentRoomId === roomId;

  /** Broadcasts received while a room's join is in flight, by room id. */
  private readonly held = new Map<string, { changes: ChatChange[]; presence: PresenceChanged[] }>();
  private readonly joins = new Map<string, Promise<boolean>>();
  private readonly reorders = new Map<string, SeqReorder<ChatChange>>();

  constructor(connection: Connection<ChatNamespace>, context: FeatureContext) {
    super(
      connection,
      context,
      { rooms: [], catalogLoading: false, listedUnread: {}, views: {}, currentRoomId: null, thread: null },
      'room',
    );
    this.rooms = new ChatRooms(this, connection);
    this.messages = new ChatMessages(this, connection, context.outbox);
    this.signals = new ChatSignals(this, connection);
    this.threads = new ChatThreads(this, connection);
  }

  protected override subscribe(): void {
    const socket = this.connection.socket;
    for (const event of [
      ChatBroadcast.MessageCreated,
      ChatBroadcast.MessageUpdated,
      ChatBroadcast.MessageDeleted,
      ChatBroadcast.RoomUpdated,
    ] as const) {
      socket.on(event, (data: ChatChange['data']) => this.onChange({ event, seq: data.seq, data } as ChatChange));
    }
    socket.on(ChatBroadcast.ReadUpdated, (payload) => this.messages.onReadUpdated(payload));
    socket.on(ChatBroadcast.RoomLeft, ({ roomId }) => {
      // Left in another tab: this one stops showing the room too.
      this.forget(roomId);
      void this.rooms.refreshCatalog(true);
    });
    socket.on(ChatBroadcast.Presence, (payload) => this.onPresence(payload));
    this.signals.subscribe();
  }

  protected override dispose(): void {
    this.signals.dispose();
    this.messages.dispose();
    for (const reorder of this.reorders.values()) reorder.clear();
  }

  /** Changes one joined room (nothing when it is not joined). */
  updateView(roomId: string, change: (view: RoomState) => RoomState): void {
    this.update((state) => {
      const view = state.views[roomId];
      if (!view) return state;
      const next = change(view);
      return next === view ? state : { ...state, views: { ...state.views, [roomId]: next } };
    });
  }

  setState(change: (state: ChatState) => ChatState): void {
    this.update(change);
  }

  /** Makes a joined room current: its unread messages count as seen, "new messages" start after them. */
  makeCurrent(roomId: string): void {
    this.update((state) => {
      const view = state.views[roomId];
      const views = view
        ? { ...state.views, [roomId]: { ...view, unread: 0, mentions: 0, dividerSeq: view.readSeq } }
        : state.views;
      return { ...state, currentRoomId: roomId, views };
    });
    this.remember(roomId);
  }

  /** The user saw what is unread in the room. */
  clearUnread(roomId: string): void {
    this.updateView(roomId, (view) => (view.unread || view.mentions ? { ...view, unread: 0, mentions: 0 } : view));
  }

  /** Stops showing a room (left, gone, or closed to this user); its queued messages go with it. */
  forget(roomId: string): void {
    this.signals.forget(roomId);
    this.threads.forget(roomId);
    this.reorders.get(roomId)?.clear();
    this.reorders.delete(roomId);
    this.outbox.remove(
      (entry) => entry.namespace === this.namespace && (entry.args as { roomId?: string }).roomId === roomId,
    );
    const wasCurrent = this.state.get().currentRoomId === roomId;
    this.update((state) => {
      const views = { ...state.views };
      delete views[roomId];
      return { ...state, views, currentRoomId: wasCurrent ? null : state.currentRoomId };
    });
    if (wasCurrent) this.remember(null);
  }

  // ---- joins and broadcasts -----------------------------------------------------------------

  /** Joins (or rejoins with `sinceSeq`) one room; concurrent calls share one request. */
  join(roomId: string, inviteCode?: string): Promise<boolean> {
    const running = this.joins.get(roomId);
    if (running) return running;
    const join = this.runJoin(roomId, inviteCode).finally(() => this.joins.delete(roomId));
    this.joins.set(roomId, join);
    return join;
  }

  private async runJoin(roomId: string, inviteCode?: string): Promise<boolean> {
    const known = this.state.get().views[roomId];
    this.updateView(roomId, (view) => ({ ...view, status: 'joining' }));
    this.held.set(roomId, { changes: [], presence: [] });
    const outcome = await this.connection.send(ChatCommand.RoomJoin, {
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
        this.notify('error', `You are no longer in "${known.room.name}": ${message}`);
        return false;
      }
      this.updateView(roomId, (view) => ({ ...view, status: 'joined' }));
      // A rejoin the server cannot take now (draining, connection lost) is tried again on reconnect.
      if (!known || retryPlan(outcome.error, this.connection.canSend()) !== 'reconnect') {
        this.notify('error', `Could not join the room: ${message}`);
      }
      return false;
    }

    if ('changes' in outcome.data) for (const change of outcome.data.changes) this.messages.stored(change);
    const reader = { me: this.me, away: !this.lookingAt(roomId) };
    this.update((state) => {
      const next = applyJoined(state.views[roomId], outcome.data, reader);
      return next ? { ...state, views: { ...state.views, [roomId]: next } } : state;
    });
    if (!this.state.get().views[roomId]) return false;
    this.threads.rejoined(roomId, outcome.data);
    const reorder = this.reorderOf(roomId);
    for (const change of held.changes) reorder.push(change);
    reorder.drain();
    // Deltas heard during the join that are newer than the answer apply on top of it.
    for (const delta of held.presence.sort((a, b) => a.version - b.version)) this.onPresence(delta, true);
    this.updateView(roomId, (view) => ({ ...view, status: 'joined' }));
    this.outbox.flush(this.namespace);
    return true;
  }

  /** Every logged broadcast (`message:*`, `room:updated`), applied in `seq` order like a replay. */
  private onChange(change: ChatChange): void {
    const roomId = change.data.roomId;
    const held = this.held.get(roomId);
    if (held) held.changes.push(change);
    else if (this.state.get().views[roomId]) this.reorderOf(roomId).push(change);
  }

  private applyChange(roomId: string, change: ChatChange): void {
    this.messages.stored(change);
    const reader = { me: this.me, away: !this.lookingAt(roomId) };
    this.update((state) => {
      const view = state.views[roomId];
      if (!view) return state;
      const next = applyRoomChange(view, change, reader);
      if (next === view) return state;
      const rooms =
        change.event === ChatBroadcast.RoomUpdated
          ? state.rooms.map((listed) => (listed.id === roomId ? { ...listed, ...next.room } : listed))
          : state.rooms;
      return { ...state, rooms, views: { ...state.views, [roomId]: next } };
    });
    this.threads.onChange(roomId, change);
    if (change.event === ChatBroadcast.MessageCreated) this.signals.authorSent(roomId, change.data.message.author.id);
  }

  /** A room's broadcasts in `seq` order; a gap still open after a short wait rejoins with `sinceSeq`. */
  private reorderOf(roomId: string): SeqReorder<ChatChange> {
    let reorder = this.reorders.get(roomId);
    if (!reorder) {
      reorder = new SeqReorder<ChatChange>({
        lastSeq: () => this.state.get().views[roomId]?.seq ?? Number.POSITIVE_INFINITY,
        apply: (change) => this.applyChange(roomId, change),
        resync: () => void this.join(roomId),
      });
      this.reorders.set(roomId, reorder);
    }
    return reorder;
  }

  /** Deltas during a join wait for its answer; a missed one means fetching the first page again. */
  private onPresence(payload: PresenceChanged, afterJoin = false): void {
    const held = afterJoin ? undefined : this.held.get(payload.roomId);
    if (held) {
      held.presence.push(payload);
      return;
    }
    const view = this.state.get().views[payload.roomId];
    if (!view) return;
    const next = applyPresenceDelta(view, payload);
    if (next === 'gap') void this.signals.refreshPresence(payload.roomId);
    else this.updateView(payload.roomId, () => next);
  }

  // ---- connection ---------------------------------------------------------------------------

  /**
   * Rejoins every open room from its known seq (rooms kept by an earlier run included); on the
   * first connection, also the room open last time.
   */
  protected override async resync(firstTime: boolean): Promise<void> {
    const views = this.state.get().views;
    const rejoins = Object.keys(views).map((roomId) => this.join(roomId));
    const last = firstTime ? this.remembered() : null;
    const remembered = last && !views[last] ? last : null;
    if (remembered) {
      void this.join(remembered).then((joined) => {
        if (joined && this.state.get().currentRoomId === null) this.makeCurrent(remembered);
        if (!joined) this.remember(null);
      });
    }
    await Promise.allSettled(rejoins);
  }

  protected override disconnected(): void {
    this.signals.disconnected();
  }

  protected override loadDirectory(quiet: boolean): Promise<void> {
    return this.rooms.refreshCatalog(quiet);
  }

  protected override directoryChanged(change: DirectoryChanged): void {
    this.rooms.directoryChanged(change);
  }

  protected override lastSeen(state: ChatState): ChatLastSeen {
    return this.rooms.lastSeen(state);
  }

  protected override restoreLastSeen(kept: unknown): void {
    this.rooms.restore(kept as ChatLastSeen);
    const remembered = this.remembered();
    if (this.state.get().currentRoomId === null && remembered && this.state.get().views[remembered]) {
      this.makeCurrent(remembered);
    }
  }
}
