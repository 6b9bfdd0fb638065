import { Injectable } from '@nestjs/common';
import { Limits, type ChatChange, type Message } from '@tandem/contract';
import { encodedOnce } from '../common/encoded-once.js';
import type { Sql } from '../db/sql.js';
import { SpaceKinds } from '../space-kinds.js';
import { SpacesRepository } from '../spaces/spaces.repository.js';
import { resyncs } from '../spaces/spaces.service.js';
import { MessagesRepository } from './messages.repository.js';

/** What a join answers besides the room: the changes since its `sinceSeq`, or the newest messages. */
export type History = { changes: ChatChange[] } | { messages: Message[] };

/** Rooms whose history is kept, and distinct `sinceSeq`s kept per room. */
const roomsKept = 64;
const sinceSeqsKept = 16;

interface Kept {
  seq: number;
  messages?: Promise<History>;
  changes: Map<number, Promise<History>>;
}

/**
 * A room's history as of its seq, read once per seq and node: every change to a room's messages
 * (send, edit, delete, reaction) takes the room's next seq, so what a join at one seq is answered
 * never changes, and a storm of joins between two changes shares one read (joins that ask at the
 * same time share it too), and its JSON is made once (`encodedOnce`). Only the room's newest seq
 * is kept.
 */
@Injectable()
export class RecentHistory {
  private readonly rooms = new Map<string, Kept>();

  constructor(
    private readonly spaces: SpacesRepository,
    private readonly messages: MessagesRepository,
  ) {}

  /** The history of a join at `sinceSeq` when the room is at `seq`, if it is kept (or being read). */
  kept(roomId: string, seq: number, sinceSeq: number | undefined): Promise<History> | undefined {
    if (sinceSeq === seq) return Promise.resolve({ changes: [] });
    const kept = this.rooms.get(roomId);
    if (kept?.seq !== seq) return undefined;
    // Map order is recency: a room joined again moves to the end.
    this.rooms.delete(roomId);
    this.rooms.set(roomId, kept);
    return resyncs(sinceSeq, seq) ? kept.changes.get(sinceSeq) : kept.messages;
  }

  /** Reads (and keeps) the history of a join at `sinceSeq`; `sql` sees the room at `seq`. */
  read(roomId: string, seq: number, sinceSeq: number | undefined, sql: Sql): Promise<History> {
    const hit = this.kept(roomId, seq, sinceSeq);
    if (hit) return hit;
    const history: Promise<History> = resyncs(sinceSeq, seq)
      ? this.spaces
          .changesSince(SpaceKinds.room, roomId, sinceSeq, Limits.resyncMaxChanges, sql)
          .then((changes) => ({ changes: encodedOnce(changes as ChatChange[]) }))
      : this.messages
          .messagesBefore(roomId, undefined, Limits.snapshotMessages, sql)
          .then(({ messages }) => ({ messages: encodedOnce(messages) }));
    let kept = this.rooms.get(roomId);
    // A reader that saw an older seq (a slower transaction) leaves the newer history kept.
    if (kept && kept.seq > seq) return history;
    if (kept?.seq !== seq) {
      kept = { seq, changes: new Map() };
      this.rooms.delete(roomId);
      this.rooms.set(roomId, kept);
      if (this.rooms.size > roomsKept) this.rooms.delete(this.rooms.keys().next().value!);
    }
    const entry = kept;
    if (!resyncs(sinceSeq, seq)) entry.messages = history;
    else if (entry.changes.size < sinceSeqsKept) entry.changes.set(sinceSeq, history);
    // A failed read is not kept.
    history.catch(() => {
      if (this.rooms.get(roomId) === entry) this.rooms.delete(roomId);
    });
    return history;
  }
}
