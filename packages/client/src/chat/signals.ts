import {
  ChatBroadcast,
  ChatCommand,
  ChatSignal,
  type Namespace,
  type TypingChanged,
  type User,
} from '@tandem/contract';
import type { Connection } from '../connection.js';
import type { ChatFeature } from './chat.js';
import { presenceFrom, withoutTyping } from './room.js';

/** Typing indicators disappear when nothing refreshes them for this long. */
export const typingTimeoutMs = 3_000;
/** While typing, "typing" is repeated this often, comfortably inside the timeout above. */
const typingRepeatMs = 2_000;
/** Stop announcing typing after this much time without a keystroke. */
const typingIdleMs = 3_000;
/** `activity` is sent at most this often: the server turns a user away after minutes, not seconds. */
const activityRepeatMs = 30_000;

/** Who types, "I am here" (`activity`), and the member list's pages: signals that are never queued. */
export class ChatSignals {
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly typingSent = new Map<string, { at: number; idle: ReturnType<typeof setTimeout> }>();
  private activitySentAt = 0;

  constructor(
    private readonly chat: ChatFeature,
    private readonly connection: Connection<typeof Namespace.Chat>,
  ) {}

  subscribe(): void {
    this.connection.socket.on(ChatBroadcast.Typing, (payload) => this.onTyping(payload));
  }

  dispose(): void {
    for (const timer of this.typingTimers.values()) clearTimeout(timer);
    for (const sent of this.typingSent.values()) clearTimeout(sent.idle);
  }

  /** Called on every keystroke in a composer: announces typing, at most every few seconds. */
  noteTyping(roomId: string): void {
    if (!this.connection.connected || this.chat.state.get().views[roomId]?.status !== 'joined') return;
    const now = Date.now();
    const sent = this.typingSent.get(roomId);
    if (sent) clearTimeout(sent.idle);
    const idle = setTimeout(() => this.stopTyping(roomId), typingIdleMs);
    if (sent && now - sent.at < typingRepeatMs) {
      sent.idle = idle;
      return;
    }
    this.typingSent.set(roomId, { at: now, idle });
    this.connection.socket.volatile.emit(ChatSignal.Typing, { roomId, typing: true });
  }

  stopTyping(roomId: string): void {
    const sent = this.typingSent.get(roomId);
    if (!sent) return;
    clearTimeout(sent.idle);
    this.typingSent.delete(roomId);
    // Not volatile: a "stopped typing" skipped on a busy connection would leave the indicator up.
    if (this.connection.connected) this.connection.socket.emit(ChatSignal.Typing, { roomId, typing: false });
  }

  /** "The person is here": keeps the user from being shown away, at most every `activityRepeatMs`. */
  noteActivity(): void {
    const now = Date.now();
    if (!this.connection.connected || now - this.activitySentAt < activityRepeatMs) return;
    this.activitySentAt = now;
    this.connection.socket.volatile.emit(ChatSignal.Activity, {});
  }

  /** A page of the room's online users (the first without a cursor), for the member list. */
  membersPage(roomId: string, cursor?: string) {
    return this.connection.send(ChatCommand.RoomMembers, { roomId, ...(cursor ? { cursor } : {}) });
  }

  async refreshPresence(roomId: string): Promise<void> {
    const outcome = await this.membersPage(roomId);
    if (!outcome.ok) return;
    const page = outcome.data;
    this.chat.updateView(roomId, (view) => (view.status === 'joined' ? { ...view, ...presenceFrom(page) } : view));
  }

  /** A message from `userId` arrived: they stopped typing. */
  authorSent(roomId: string, userId: string): void {
    this.clearTyping(roomId, userId);
  }

  forget(roomId: string): void {
    this.stopTyping(roomId);
    for (const user of this.chat.state.get().views[roomId]?.typing ?? []) this.clearTyping(roomId, user.id);
  }

  disconnected(): void {
    for (const [roomId, view] of Object.entries(this.chat.state.get().views)) {
      for (const user of view.typing) this.clearTyping(roomId, user.id);
    }
    this.typingSent.forEach((sent) => clearTimeout(sent.idle));
    this.typingSent.clear();
  }

  private onTyping(payload: TypingChanged): void {
    const { roomId } = payload;
    if (!this.chat.state.get().views[roomId]) return;
    for (const userId of payload.stopped) this.clearTyping(roomId, userId);
    for (const user of payload.users) if (user.id !== this.chat.me.id) this.markTyping(roomId, user);
    // The count includes this user while they type, named or not.
    const mine = payload.users.some((user) => user.id === this.chat.me.id) || this.typingSent.has(roomId);
    const typingCount = Math.max(0, payload.count - (mine ? 1 : 0));
    this.chat.updateView(roomId, (view) => ({ ...view, typingCount }));
    this.restartTimer(`${roomId}:count`, () => this.chat.updateView(roomId, (view) => ({ ...view, typingCount: 0 })));
  }

  private markTyping(roomId: string, user: User): void {
    this.chat.updateView(roomId, (view) =>
      view.typing.some((known) => known.id === user.id) ? view : { ...view, typing: [...view.typing, user] },
    );
    this.restartTimer(`${roomId}:${user.id}`, () => this.clearTyping(roomId, user.id));
  }

  private clearTyping(roomId: string, userId: string): void {
    const key = `${roomId}:${userId}`;
    clearTimeout(this.typingTimers.get(key));
    this.typingTimers.delete(key);
    this.chat.updateView(roomId, (view) =>
      view.typing.some((user) => user.id === userId) ? withoutTyping(view, userId) : view,
    );
  }

  private restartTimer(key: string, fire: () => void): void {
    clearTimeout(this.typingTimers.get(key));
    this.typingTimers.set(key, setTimeout(fire, typingTimeoutMs));
  }
}
