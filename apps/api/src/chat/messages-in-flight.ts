/**
 * The messages this node has a command in flight on (an edit, a reaction, a delete). Such a
 * command answers with the message as it read it and its own writes left it, so it works beside
 * the others of its transaction (`overlaps`) only while it is the only one in flight on its
 * message: a second one on the same message runs after them and reads it anew.
 */
export class MessagesInFlight {
  private readonly counts = new Map<string, number>();

  /** Runs `command`, told whether it is the only one in flight on the message; it counts until it settles. */
  async run<T>(messageId: string, command: (alone: boolean) => Promise<T>): Promise<T> {
    const count = this.counts.get(messageId) ?? 0;
    this.counts.set(messageId, count + 1);
    try {
      return await command(count === 0);
    } finally {
      const left = this.counts.get(messageId)! - 1;
      if (left > 0) this.counts.set(messageId, left);
      else this.counts.delete(messageId);
    }
  }

  /** How many messages have a command in flight. */
  get size(): number {
    return this.counts.size;
  }
}
