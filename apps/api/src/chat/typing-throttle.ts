/**
 * Typing signals are volatile and cheap to drop: a socket's "typing" in a room is forwarded at most
 * once per interval, while "stopped typing" always goes through so indicators clear promptly.
 */
export class TypingThrottle {
  private readonly lastForwarded = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  shouldForward(socketId: string, roomId: string, typing: boolean, now = Date.now()): boolean {
    const key = `${socketId}:${roomId}`;
    if (!typing) return this.lastForwarded.delete(key);
    const last = this.lastForwarded.get(key);
    if (last !== undefined && now - last < this.intervalMs) return false;
    this.lastForwarded.set(key, now);
    return true;
  }

  forgetSocket(socketId: string): void {
    for (const key of this.lastForwarded.keys()) if (key.startsWith(`${socketId}:`)) this.lastForwarded.delete(key);
  }
}
