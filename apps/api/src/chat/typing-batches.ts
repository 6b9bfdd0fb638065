import { PresenceLimits, type TypingChanged, type User } from '@tandem/contract';

interface RoomBatch {
  typing: Map<string, User>;
  stopped: Set<string>;
  timer?: ReturnType<typeof setTimeout>;
  sentAt: number;
}

/**
 * Typing signals, coalesced per room: the first of a quiet room goes out at once, the rest at
 * most once per window, as one `typing` event naming at most a few typists (and counting them
 * all). A room of 10,000 where 300 people type hears one small event per window, not 300.
 */
export class TypingBatches {
  private readonly rooms = new Map<string, RoomBatch>();

  constructor(
    private readonly windowMs: number,
    private readonly send: (event: TypingChanged) => void,
    private readonly now: () => number = Date.now,
  ) {}

  note(roomId: string, user: User, typing: boolean): void {
    let batch = this.rooms.get(roomId);
    if (!batch) this.rooms.set(roomId, (batch = { typing: new Map(), stopped: new Set(), sentAt: -Infinity }));
    if (typing) {
      batch.typing.set(user.id, user);
      batch.stopped.delete(user.id);
    } else {
      batch.typing.delete(user.id);
      batch.stopped.add(user.id);
    }
    if (batch.timer) return;
    const delay = Math.max(0, batch.sentAt + this.windowMs - this.now());
    batch.timer = setTimeout(() => this.flush(roomId), delay);
    batch.timer.unref();
  }

  clear(): void {
    for (const batch of this.rooms.values()) clearTimeout(batch.timer);
    this.rooms.clear();
  }

  private flush(roomId: string): void {
    const batch = this.rooms.get(roomId);
    if (!batch) return;
    batch.timer = undefined;
    if (batch.typing.size === 0 && batch.stopped.size === 0) {
      // A window with nothing in it: the room is quiet again.
      this.rooms.delete(roomId);
      return;
    }
    const users = [...batch.typing.values()].slice(0, PresenceLimits.typingNames);
    const stopped = [...batch.stopped].slice(0, PresenceLimits.typingNames);
    this.send({ roomId, users, count: batch.typing.size, stopped });
    batch.typing.clear();
    batch.stopped.clear();
    batch.sentAt = this.now();
    // One more window: a quiet one ends the batch, a busy one sends again.
    batch.timer = setTimeout(() => this.flush(roomId), this.windowMs);
    batch.timer.unref();
  }
}
