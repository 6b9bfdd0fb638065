import { ChatBroadcast, ChatCommand, type Ack, type MessageCreated, type RoomJoined } from '@tandem/contract';
import type { Socket } from 'socket.io-client';
import { SeqReorder } from '@tandem/client';

/**
 * A chat client that follows one room as the protocol asks (docs/protocol.md): it applies
 * messages in `seq` order, drops what it already has, holds one that came early as the web app
 * does (`SeqReorder`), and rejoins with `sinceSeq` when a gap stays open or after a reconnect. It
 * counts what it dropped, held and resynced, and how long each reconnect took, from the
 * disconnect to the rejoin's ack.
 */
export class RoomFollower {
  /** Every message applied after the first join, by seq: its id. */
  readonly applied = new Map<number, string>();
  /** The room's seq at the first join: `applied` starts right after it. */
  startSeq: number | undefined;
  lastSeq = 0;
  staleDrops = 0;
  /** Messages that arrived before one of their predecessors. */
  heldEarly = 0;
  /** Gaps still open after the reorder wait. */
  gapResyncs = 0;
  readonly reconnectMs: number[] = [];
  /** What went against the protocol (a seq applied twice, a resync answered by a snapshot). */
  readonly problems: string[] = [];
  private disconnectedAt: number | undefined;
  private syncing = false;
  private syncAgain = false;
  private readonly reorder = new SeqReorder<{ seq: number; id: string }>({
    lastSeq: () => this.lastSeq,
    apply: ({ seq, id }) => this.apply(seq, id),
    resync: () => {
      this.gapResyncs++;
      void this.sync();
    },
  });

  constructor(
    readonly socket: Socket,
    private readonly roomId: string,
  ) {
    socket.on(ChatBroadcast.MessageCreated, (event: MessageCreated) => this.onMessage(event));
    socket.on('disconnect', () => (this.disconnectedAt ??= Date.now()));
    socket.on('connect', () => void this.sync());
  }

  get joined(): boolean {
    return this.startSeq !== undefined && !this.syncing && this.socket.connected;
  }

  private onMessage(event: MessageCreated): void {
    if (event.roomId !== this.roomId || this.startSeq === undefined) return;
    if (event.seq <= this.lastSeq) this.staleDrops++;
    else if (event.seq > this.lastSeq + 1) this.heldEarly++;
    this.reorder.push({ seq: event.seq, id: event.message.id });
  }

  private apply(seq: number, id: string): void {
    if (this.applied.has(seq)) this.problems.push(`seq ${seq} applied twice`);
    this.applied.set(seq, id);
    this.lastSeq = seq;
  }

  /** Joins (the first time) or rejoins with `sinceSeq`; one at a time, again if asked meanwhile. */
  private async sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = true;
    try {
      do {
        this.syncAgain = false;
        const first = this.startSeq === undefined;
        const ack = (await this.socket
          .timeout(5_000)
          .emitWithAck(
            ChatCommand.RoomJoin,
            first ? { roomId: this.roomId } : { roomId: this.roomId, sinceSeq: this.lastSeq },
          )
          .catch(() => null)) as Ack<RoomJoined> | null;
        if (!ack?.ok) {
          // Cut off: the next connect syncs again.
          if (this.socket.connected) this.syncAgain = true;
          continue;
        }
        if (first) {
          this.startSeq = ack.data.seq;
          this.lastSeq = Math.max(this.lastSeq, ack.data.seq);
        } else if ('changes' in ack.data) {
          for (const change of ack.data.changes) {
            if (change.event === ChatBroadcast.MessageCreated && change.seq === this.lastSeq + 1) {
              this.apply(change.seq, change.data.message.id);
            }
          }
        } else {
          this.problems.push(`resync from ${this.lastSeq} answered by a snapshot`);
        }
        this.reorder.drain();
        if (this.disconnectedAt !== undefined) {
          this.reconnectMs.push(Date.now() - this.disconnectedAt);
          this.disconnectedAt = undefined;
        }
      } while (this.syncAgain && this.socket.connected);
    } finally {
      this.syncing = false;
    }
  }
}
