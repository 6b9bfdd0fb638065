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
import { FeatureBinding } from './binding.svelte.js';
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
export class ChatManager extends FeatureBinding<typeof Namespace.Chat, ChatState> {
  /** The message being edited in place, if any. */
  editingId = $state<string | null>(null);
  /** Unsent composer text per room, kept while switching rooms. */
  readonly drafts = new Map<string, string>();
  /** Whether the open thread shows its newest reply: replies that come meanwhile are read. */
  threadAtEnd = $state(true);

  /** Messages written here and not acknowledged yet, by room. */
  private readonly outgoing: Record<string, OutgoingMessage[]> = $derived.by(() => {
    const byRoom: Record<string, OutgoingMessage[]> = {};
    for (const entry of this.chat.messages.queued(this.entries.current)) {
      if (entry.replyTo === undefined) (byRoom[entry.roomId] ??= []).push(entry);
    }
    return byRoom;
  });
  /** The thread shown, if any, and the replies written in it that are not acknowledged yet. */
  readonly thread: ThreadState | null = $derived(this.view.current.thread);
  readonly threadOutbox: OutgoingMessage[] = $derived.by(() =>
    this.chat.messages
      .queued(this.entries.current)
      .filter((entry) => entry.replyTo !== undefined && entry.replyTo === this.thread?.parentId),
  );
  readonly views: Record<string, RoomView> = $derived.by(() =>
    Object.fromEntries(
      Object.entries(this.view.current.views).map(([roomId, view]) => [
        roomId,
        { ...view, outbox: this.outgoing[roomId] ?? [] },
      ]),
    ),
  );
  /** Edits, deletes and reactions made here and not acknowledged yet. */
  readonly changes: MessageChange[] = $derived.by(() => this.chat.messages.changes(this.entries.current));
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

  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly chat: ChatFeature,
    outboxEntries: Store<readonly OutboxEntry[]>,
  ) {
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

  get rooms(): Room[] {
    return this.view.current.rooms;
  }
  get catalogLoading(): boolean {
    return this.view.current.catalogLoading;
  }
  get currentRoomId(): string | null {
    return this.view.current.currentRoomId;
  }

  createRoom(name: string, isPrivate: boolean): Promise<boolean> {
    return this.chat.rooms.create(name, isPrivate);
  }
  async open(roomId: string, inviteCode?: string): Promise<boolean> {
    const opened = await this.chat.rooms.open(roomId, inviteCode);
    if (opened && this.editingId && !this.current?.messages.some((message) => message.id === this.editingId)) {
      this.editingId = null;
    }
    return opened;
  }
  leave(roomId: string): Promise<void> {
    return this.chat.rooms.leave(roomId);
  }
  loadOlder(roomId: string): Promise<void> {
    return this.chat.rooms.loadOlder(roomId);
  }
  search(query: string, cursor?: string) {
    return this.chat.rooms.search(query, cursor);
  }
  reveal(roomId: string, seq: number): Promise<boolean> {
    return this.chat.rooms.reveal(roomId, seq);
  }
  unreadOf(roomId: string): UnreadCounts {
    void this.view.current;
    return this.chat.rooms.unreadOf(roomId);
  }
  rename(roomId: string, name: string): Promise<boolean> {
    return this.chat.rooms.rename(roomId, name);
  }
  rotateInvite(roomId: string): Promise<boolean> {
    return this.chat.rooms.rotateInvite(roomId);
  }

  /** Edits, deletes and reactions are queued like messages: sent now, or once the connection is back. */
  async edit(messageId: string, text: string): Promise<boolean> {
    return this.chat.messages.edit(messageId, text);
  }
  async remove(messageId: string): Promise<boolean> {
    return this.chat.messages.remove(messageId);
  }
  async toggleReaction(messageId: string, emoji: string): Promise<boolean> {
    return this.chat.messages.toggleReaction(messageId, emoji);
  }
  lastEditable(roomId: string): Message | null {
    void this.view.current;
    return this.chat.messages.lastEditable(roomId);
  }
  /** "New messages" start after `seq` in the room. */
  moveDivider(roomId: string, seq: number): void {
    this.chat.updateView(roomId, (view) => ({ ...view, dividerSeq: seq }));
  }
  markRead(roomId: string): void {
    this.chat.messages.markRead(roomId);
  }
  send(roomId: string, text: string): void {
    this.chat.messages.send(roomId, text);
  }
  retry(_roomId: string, opId: string): void {
    this.chat.messages.retry(opId);
  }
  discard(_roomId: string, opId: string): void {
    this.chat.messages.discard(opId);
  }

  /** Threads: one shown at a time, beside the room (over it on a small screen). */
  openThread(messageId: string): Promise<boolean> {
    this.threadAtEnd = true;
    return this.chat.threads.open(messageId);
  }
  closeThread(): void {
    this.chat.threads.close();
  }
  loadOlderReplies(): Promise<void> {
    return this.chat.threads.loadOlder();
  }
  reply(text: string): void {
    this.chat.threads.reply(text);
  }
  /** The open thread's end is in view (or not): reaching it reads what came. */
  setThreadAtEnd(atEnd: boolean): void {
    this.threadAtEnd = atEnd;
    if (this.chat.threads.lookingAt()) this.chat.threads.seen();
  }

  noteTyping(roomId: string): void {
    this.chat.signals.noteTyping(roomId);
  }
  stopTyping(roomId: string): void {
    this.chat.signals.stopTyping(roomId);
  }
  noteActivity(): void {
    this.chat.signals.noteActivity();
  }
  membersPage(roomId: string, cursor?: string) {
    return this.chat.signals.membersPage(roomId, cursor);
  }

  private listen(target: EventTarget, type: string, listener: () => void): void {
    target.addEventListener(type, listener);
    this.cleanups.push(() => target.removeEventListener(type, listener));
  }
}
