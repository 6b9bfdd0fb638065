import { Inject, Injectable } from '@nestjs/common';
import { Limits, type ReadMarker } from '@tandem/contract';
import { encodedOnce } from '../common/encoded-once.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { ChatRepository, type MarkerRow } from './chat.repository.js';

/** Rooms whose furthest markers are kept; beyond that the least recently joined is dropped. */
const roomsKept = 256;

interface Kept {
  rows: MarkerRow[];
  markers: ReadMarker[];
  users: Set<string>;
}

/**
 * The furthest read markers a join answers with (`Limits.readMarkers` of them), read once and
 * kept per room until this node commits something that changes them: a marker moving into or
 * within them, a member joining into them or leaving, a listed user's "last seen". A storm of
 * joins then reads them once, not once per join. A join that took them just before such a commit
 * saw them as a join a moment earlier would have (markers are read beside the join's consistent
 * read anyway), and still hears of a marker's move (`read:updated`) once it is in the room.
 * Several nodes cannot see each other's commits in order with their broadcasts: there the markers
 * are read on every join.
 */
@Injectable()
export class FurthestMarkers {
  private readonly rooms = new Map<string, Kept>();
  /** Bumped by every change: a read that began before one is not kept. */
  private generation = 0;
  private readonly keeps: boolean;

  constructor(
    private readonly chat: ChatRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.keeps = config.redisUrl === undefined;
  }

  async of(roomId: string): Promise<ReadMarker[]> {
    const kept = this.rooms.get(roomId);
    if (kept) {
      // Map order is recency.
      this.rooms.delete(roomId);
      this.rooms.set(roomId, kept);
      return kept.markers;
    }
    const generation = this.generation;
    const rows = await this.chat.readMarkers(roomId, Limits.readMarkers);
    // Every join of a storm carries them: their JSON is made once.
    const markers = encodedOnce(rows.map((row) => row.marker));
    if (this.keeps && generation === this.generation) {
      this.rooms.set(roomId, { rows, markers, users: new Set(markers.map((marker) => marker.user.id)) });
      if (this.rooms.size > roomsKept) this.rooms.delete(this.rooms.keys().next().value!);
    }
    return markers;
  }

  /** A committed marker of `userId` at `readSeq`, new (`joinedAt` given: a new member) or moved. */
  placed(roomId: string, userId: string, readSeq: number, joinedAt?: string): void {
    this.generation++;
    const kept = this.rooms.get(roomId);
    if (!kept) return;
    const last = kept.rows.at(-1);
    const within =
      kept.users.has(userId) ||
      last === undefined ||
      kept.rows.length < Limits.readMarkers ||
      readSeq > last.marker.readSeq ||
      // Same seq: the order goes on by join time (a moved marker's is earlier than now), then user.
      (readSeq === last.marker.readSeq &&
        (joinedAt === undefined ||
          joinedAt < last.joinedAt ||
          (joinedAt === last.joinedAt && userId < last.marker.user.id)));
    if (within) this.rooms.delete(roomId);
  }

  /** A committed departure of `userId` from the room. */
  left(roomId: string, userId: string): void {
    this.generation++;
    if (this.rooms.get(roomId)?.users.has(userId)) this.rooms.delete(roomId);
  }

  /** `userId`'s "last seen" changed: it is in their markers. */
  seen(userId: string): void {
    this.generation++;
    for (const [roomId, kept] of this.rooms) if (kept.users.has(userId)) this.rooms.delete(roomId);
  }
}
