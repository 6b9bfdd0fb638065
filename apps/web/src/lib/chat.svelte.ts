import type {
  ChatFeature,
  ChatState,
  MessageChange,
  OutboxEntry,
  OutgoingMessage,
  RoomState,
  Store,
  ThreadState,
  UnreadCounts,
} from '@tandem/client';
import type { Message, Namespace, Room } from '@tandem/contract';
import { SpaceBinding } from './spaces.svelte.js';
import { navigation } from './sections.svelte.js';

export type { OutgoingMessage, UnreadCounts } from '@tandem/client';

/** A joined room as the views show it: the core's room with the messages written here not yet acknowledged. */
export interface RoomView extends RoomState {
  outbox: OutgoingMessage[];
}

/**
 * The `/chat` feature of the client core as the views see it: the room list, the joined rooms
 * with their queued messages, and what only a page has (drafts, the message being edited, whether
 * the user is looking). Lives for the whole session, whatever view is shown.
 */
export class ChatManager extends SpaceBinding<typeof Namespace.Chat, ChatState, Room, ChatFeature> {
  readonly kind = 'room';
  /** The message being edited in place, if any. */
  editingId = $state<string | null>(null);
  /** Unsent composer text per room, kept while switching rooms. */
  readonly drafts = new Map<string, string>();
  /** Whether the open thread shows its newest reply: replies that come meanwhile are read. */
  threadAtEnd = $state(true);

  /** Messages written here and not acknowledged yet, by room. */
  private readonly outgoing: Record<string, OutgoingMessage[]> = $derived.by(() => {
    const byRoom: Record<string, OutgoingMessage[]> = {};
    for (const entry of this.feature.messages.queued(this.entries.current)) {
      if (entry.replyTo === undefined) (byRoom[entry.roomId] ??= []).push(entry);
    }
    return byRoom;
  });
  /** The thread shown, if any, and the replies written in it that are not acknowledged yet. */
  readonly thread: ThreadState | null = $derived(this.state.thread);
  readonly threadOutbox: OutgoingMessage[] = $derived.by(() =>
    this.feature.messages
      .queued(this.entries.current)
      .filter((entry) => entry.replyTo !== undefined && entry.replyTo === this.thread?.parentId),
  );
  readonly views: Record<string, RoomView> = $derived.by(() =>
    Object.fromEntries(
      Object.entries(this.state.views).map(([roomId, view]) => [
        roomId,
        { ...view, outbox: this.outgoing[roomId] ?? [] },
      ]),
    ),
  );
  /** Edits, deletes and reactions made here and not acknowledged yet. */
  readonly changes: MessageChange[] = $derived.by(() => this.feature.messages.changes(this.entries.current));
  readonly currentId: string | null = $derived(this.state.currentRoomId);
  readonly current: RoomView | null = $derived(this.currentId ? (this.views[this.currentId] ?? null) : null);
  /** The current room's `Room`, known from the list before its join answers. */
  readonly space: Room | null = $derived(
    this.current?.room ?? this.state.rooms.find((room) => room.id === this.currentId) ?? null,
  );
  readonly syncing: boolean = $derived(this.current?.status !== 'joined');
  /** Listed rooms plus joined ones the list does not show yet (just joined by id). */
  readonly sidebarEntries: Room[] = $derived([
    ...this.state.rooms,
    ...Object.values(this.views)
      .map((view) => view.room)
      .filter((room) => !this.state.rooms.some((listed) => listed.id === room.id)),
  ]);

  private readonly cleanups: (() => void)[] = [];

  constructor(chat: ChatFeature, outboxEntries: Store<readonly OutboxEntry[]>) {
    super(chat, outboxEntries);
    // A new message counts as unread unless the user is looking at its room now.
    chat.lookingAt = (roomId) =>
      chat.state.get().currentRoomId === roomId && !document.hidden && navigation.current === 'chat';
    chat.threads.lookingAt = () => !document.hidden && navigation.current === 'chat' && this.threadAtEnd;
    const seen = () => {
      const roomId = chat.state.get().currentRoomId;
      if (roomId && chat.lookingAt(roomId)) chat.clearUnread(roomId);
      if (chat.threads.lookingAt()) chat.threads.seen();
    };
    this.listen(document, 'visibilitychange', seen);
    this.listen(window, 'hashchange', seen);
    for (const type of ['keydown', 'pointerdown', 'focus']) this.listen(window, type, () => this.noteActivity());
    // A message deleted while it is edited here stops being edited.
    this.cleanups.push(
      chat.state.subscribe(() => {
        if (this.editingId && chat.messages.held(this.editingId)?.deletedAt !== undefined) this.editingId = null;
      }),
    );
  }

  override dispose(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    super.dispose();
  }

  create(name: string, isPrivate: boolean): Promise<boolean> {
    return this.feature.rooms.create(name, isPrivate);
  }
  async open(roomId: string, inviteCode?: string): Promise<boolean> {
    const opened = await this.feature.rooms.open(roomId, inviteCode);
    if (opened && this.editingId && !this.current?.messages.some((message) => message.id === this.editingId)) {
      this.editingId = null;
    }
    return opened;
  }
  leave(roomId: string): Promise<void> {
    return this.feature.rooms.leave(roomId);
  }
  loadOlder(roomId: string): Promise<void> {
    return this.feature.rooms.loadOlder(roomId);
  }
  search(query: string, cursor?: string) {
    return this.feature.rooms.search(query, cursor);
  }
  reveal(roomId: string, seq: number): Promise<boolean> {
    return this.feature.rooms.reveal(roomId, seq);
  }
  unreadOf(roomId: string): UnreadCounts {
    void this.state;
    return this.feature.rooms.unreadOf(roomId);
  }
  rename(roomId: string, name: string): Promise<boolean> {
    return this.feature.rooms.rename(roomId, name);
  }
  rotateInvite(roomId: string): Promise<boolean> {
    return this.feature.rooms.rotateInvite(roomId);
  }

  /** Edits, deletes and reactions are queued like messages: sent now, or once the connection is back. */
  async edit(messageId: string, text: string): Promise<boolean> {
    return this.feature.messages.edit(messageId, text);
  }
  async remove(messageId: string): Promise<boolean> {
    return this.feature.messages.remove(messageId);
  }
  async toggleReaction(messageId: string, emoji: string): Promise<boolean> {
    return this.feature.messages.toggleReaction(messageId, emoji);
  }
  lastEditable(roomId: string): Message | null {
    void this.state;
    return this.feature.messages.lastEditable(roomId);
  }
  /** "New messages" start after `seq` in the room. */
  moveDivider(roomId: string, seq: number): void {
    this.feature.updateView(roomId, (view) => ({ ...view, dividerSeq: seq }));
  }
  markRead(roomId: string): void {
    this.feature.messages.markRead(roomId);
  }
  send(roomId: string, text: string): void {
    this.feature.messages.send(roomId, text);
  }
  retry(_roomId: string, opId: string): void {
    this.feature.messages.retry(opId);
  }
  discard(_roomId: string, opId: string): void {
    this.feature.messages.discard(opId);
  }

  /** Threads: one shown at a time, beside the room (over it on a small screen). */
  openThread(messageId: string): Promise<boolean> {
    this.threadAtEnd = true;
    return this.feature.threads.open(messageId);
  }
  closeThread(): void {
    this.feature.threads.close();
  }
  loadOlderReplies(): Promise<void> {
    return this.feature.threads.loadOlder();
  }
  reply(text: string): void {
    this.feature.threads.reply(text);
  }
  /** The open thread's end is in view (or not): reaching it reads what came. */
  setThreadAtEnd(atEnd: boolean): void {
    this.threadAtEnd = atEnd;
    if (this.feature.threads.lookingAt()) this.feature.threads.seen();
  }

  noteTyping(roomId: string): void {
    this.feature.signals.noteTyping(roomId);
  }
  stopTyping(roomId: string): void {
    this.feature.signals.stopTyping(roomId);
  }
  noteActivity(): void {
    this.feature.signals.noteActivity();
  }
  membersPage(roomId: string, cursor?: string) {
    return this.feature.signals.membersPage(roomId, cursor);
  }

  private listen(target: EventTarget, type: string, listener: () => void): void {
    target.addEventListener(type, listener);
    this.cleanups.push(() => target.removeEventListener(type, listener));
  }
}
