import type { Player } from '@tandem/contract';
import { encodedAs } from '../common/encoded-once.js';
import { BoardFact, toPlayer, type PlayerRecord } from './board-records.js';
import { mapRanked } from './ranking.js';

/** What a board's change stream says of a change (the data its facts are logged with). */
export interface BoardChange {
  seq: number;
  event: string;
  data: { playerId?: string; name?: string; userId?: string; delta?: number };
}

/** Players whose score a transaction's changes moved, by id: the score now, or null (removed). */
export type Moved = Map<string, number | null>;

/** `movedUpTo`'s work on one transaction's changes: read up to `read`, followed up to the seq `upTo`. */
interface MovedSoFar {
  changes: readonly BoardChange[];
  /** The ranking's seq it started from. */
  from: number;
  read: number;
  bySeq: Map<number, BoardChange>;
  upTo: number;
  moved: Moved;
}

type Entry = Pick<PlayerRecord, 'id' | 'name' | 'userId' | 'score'> & {
  /** The player as last ranked, and its JSON: made again only when its rank, score or name changed. */
  ranked?: Player;
  json?: string;
  /** The player's JSON up to its score (`{"id":…,"name":…,"score":`), until a rename. */
  head?: string;
};

/** The JSON of `entry`'s player at `score` and `rank`, as `JSON.stringify` writes it (see `toPlayer`). */
function entryJson(entry: Entry, score: number, rank: number): string {
  entry.head ??= `{"id":${JSON.stringify(entry.id)},"name":${JSON.stringify(entry.name)},"score":`;
  const tail = entry.userId ? `,"userId":${JSON.stringify(entry.userId)}}` : '}';
  return `${entry.head}${score},"rank":${rank}${tail}`;
}

/** The player of `entry` at `rank`, and its JSON. */
function rankedEntry(entry: Entry, rank: number): Player {
  const kept = entry.ranked;
  if (kept?.rank === rank && kept.score === entry.score && kept.name === entry.name) return kept;
  entry.json = entryJson(entry, entry.score, rank);
  return (entry.ranked = toPlayer(entry, rank));
}

/**
 * A board's active players in ranking order as of one `seq`, kept in step with the board's
 * changes one at a time: a change moves, adds, renames or drops one player instead of the whole
 * board being read and sorted again. Each change takes the board's next seq, so the player it
 * changes is the latest of the board to reach their score, and goes last among those at that
 * score (the order `rankedPlayers` reads). A change it cannot follow (a reset, a gap in the seqs,
 * a player it does not know) is refused: the board is then read again.
 */
export class RankedBoard {
  private players?: readonly Player[];
  /** The last `movedUpTo`'s work, which the next one on the same changes goes on from. */
  private lastMoved?: MovedSoFar;

  private constructor(
    public seq: number,
    readonly round: number,
    /** Best first; inside a tie, whoever reached the score first. */
    private readonly order: Entry[],
    private readonly byId: Map<string, Entry>,
  ) {}

  /** From the players as `rankedPlayers` reads them (ranking order), at the board's `seq` and `round`. */
  static from(seq: number, round: number, rows: readonly Entry[]): RankedBoard {
    const order = rows.map(({ id, name, userId, score }) => ({ id, name, userId, score }));
    return new RankedBoard(seq, round, order, new Map(order.map((entry) => [entry.id, entry])));
  }

  /**
   * A reset's two rankings, from the round's active players in the order they joined (see
   * `roundPlayers`): the JSON of the round's standings (as `rankedPlayers` writes it), and the next
   * round's ranking as of the reset's `seq`, everyone at 0 in that order. Each player's JSON up to
   * its score is written once for both, or taken from `known` (the board's kept ranking).
   */
  static reset(
    joined: readonly (Entry & { scoreChangeSeq: number })[],
    seq: number,
    round: number,
    known?: RankedBoard,
  ): { standings: string; next: RankedBoard } {
    const order = joined.map(({ id, name, userId }): Entry => {
      const kept = known?.byId.get(id);
      return { id, name, userId, score: 0, head: kept?.name === name ? kept.head : undefined };
    });
    // `rankedPlayers`' order: best first, then the earlier change; the sort is stable, so the join order after that.
    const ranked = joined
      .map(({ score, scoreChangeSeq }, index) => ({ score, scoreChangeSeq, entry: order[index]! }))
      .sort((a, b) => b.score - a.score || a.scoreChangeSeq - b.scoreChangeSeq);
    const standings = mapRanked(ranked, ({ score, entry }, rank) => entryJson(entry, score, rank));
    const next = new RankedBoard(seq, round, order, new Map(order.map((entry) => [entry.id, entry])));
    return { standings: `[${standings.join(',')}]`, next };
  }

  /** Follows the board's next change; false when it cannot (the board must be read again). */
  apply(change: BoardChange): boolean {
    if (change.seq !== this.seq + 1) return false;
    const { playerId, name, userId, delta } = change.data;
    const entry = playerId === undefined ? undefined : this.byId.get(playerId);
    switch (change.event) {
      case BoardFact.PlayerAdded:
        if (playerId === undefined || name === undefined || entry) return false;
        this.place({ id: playerId, name, userId: userId ?? null, score: 0 });
        break;
      case BoardFact.ScoreAdded:
        if (!entry || delta === undefined) return false;
        this.order.splice(this.order.indexOf(entry), 1);
        entry.score += delta;
        this.place(entry);
        break;
      case BoardFact.PlayerRenamed:
        if (!entry || name === undefined) return false;
        entry.name = name;
        entry.head = undefined;
        break;
      case BoardFact.PlayerRemoved:
        if (!entry) return false;
        this.order.splice(this.order.indexOf(entry), 1);
        this.byId.delete(entry.id);
        break;
      default:
        return false;
    }
    this.seq = change.seq;
    this.players = undefined;
    return true;
  }

  /**
   * The ranked players, made once per seq and frozen: their JSON is written once, however many
   * states and answers carry them (see `encodedOnce`).
   */
  rankedPlayers(): readonly Player[] {
    if (!this.players) {
      const players = mapRanked(this.order, rankedEntry);
      // Each player's JSON is kept with it: the array's is theirs joined (a whole stringify of
      // 450 players cost ten times as much, most of a state's making).
      this.players = encodedAs(players, `[${this.order.map((entry) => entry.json).join(',')}]`);
    }
    return this.players;
  }

  /**
   * The players whose score the changes of one transaction up to its change `seq` moved (null:
   * removed), on top of this ranking: when `changes`, the transaction's changes of the board so
   * far, follow this ranking's seq without a gap up to `seq`, and each is one it can follow. The
   * transaction's first change of the board holds the board until its commit, so this ranking is
   * then the board as the transaction found it. Otherwise undefined (the database must count).
   */
  movedUpTo(changes: readonly BoardChange[], seq: number): Moved | undefined {
    if (seq <= this.seq || seq - this.seq > changes.length) return undefined;
    // A transaction asks after each of its changes, on the same growing array: the next call goes
    // on from where the last stopped (linear in a batch's changes, not quadratic).
    let last = this.lastMoved;
    if (!last || last.changes !== changes || last.from !== this.seq || last.upTo > seq)
      last = this.lastMoved = { changes, from: this.seq, read: 0, bySeq: new Map(), upTo: this.seq, moved: new Map() };
    for (; last.read < changes.length; last.read++) last.bySeq.set(changes[last.read]!.seq, changes[last.read]!);
    for (; last.upTo < seq; last.upTo++) {
      const change = last.bySeq.get(last.upTo + 1);
      if (!change || !this.follows(last.moved, change)) return undefined;
    }
    // A copy: the caller ranks with it after an await, when the next call has gone on.
    return new Map(last.moved);
  }

  /** Whether `change` can follow `moved` on top of this ranking; if so, `moved` follows it. */
  private follows(moved: Moved, change: BoardChange): boolean {
    const { playerId, delta } = change.data;
    if (playerId === undefined) return false;
    const score = moved.has(playerId) ? moved.get(playerId) : this.byId.get(playerId)?.score;
    const active = score !== undefined && score !== null;
    if (change.event === BoardFact.PlayerAdded && !active) moved.set(playerId, 0);
    else if (change.event === BoardFact.ScoreAdded && active && delta !== undefined) moved.set(playerId, score + delta);
    else if (change.event === BoardFact.PlayerRemoved && active) moved.set(playerId, null);
    else return change.event === BoardFact.PlayerRenamed && active;
    return true;
  }

  /**
   * The rank of `playerId` at `score` once `moved` (see `movedUpTo`) is applied here: 1 + the other
   * active players above `score` (standard competition ranking).
   */
  rankWith(moved: Moved, playerId: string, score: number): number {
    let higher = this.countAbove(score);
    if ((this.byId.get(playerId)?.score ?? score) > score) higher -= 1;
    for (const [id, now] of moved) {
      if (id === playerId) continue;
      if ((this.byId.get(id)?.score ?? score) > score) higher -= 1;
      if (now !== null && now > score) higher += 1;
    }
    return higher + 1;
  }

  /** Last among the players at its score: before the first one with a lower score. */
  private place(entry: Entry): void {
    this.order.splice(this.countAbove(entry.score, true), 0, entry);
    this.byId.set(entry.id, entry);
  }

  /** How many players are above `score` (`orAt`: or at it), the order's first index past them. */
  private countAbove(score: number, orAt = false): number {
    let low = 0;
    let high = this.order.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = this.order[middle]!.score;
      if (other > score || (orAt && other === score)) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
