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

type Entry = Pick<PlayerRecord, 'id' | 'name' | 'userId' | 'score'> & {
  /** The player as last ranked, and its JSON: made again only when its rank, score or name changed. */
  ranked?: Player;
  json?: string;
  /** The player's JSON up to its score (`{"id":…,"name":…,"score":`), until a rename. */
  head?: string;
};

/** The player of `entry` at `rank`, and its JSON as `JSON.stringify` writes it (see `toPlayer`). */
function rankedEntry(entry: Entry, rank: number): Player {
  const kept = entry.ranked;
  if (kept?.rank === rank && kept.score === entry.score && kept.name === entry.name) return kept;
  entry.head ??= `{"id":${JSON.stringify(entry.id)},"name":${JSON.stringify(entry.name)},"score":`;
  const tail = entry.userId ? `,"userId":${JSON.stringify(entry.userId)}}` : '}';
  entry.json = `${entry.head}${entry.score},"rank":${rank}${tail}`;
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

  /** Last among the players at its score: before the first one with a lower score. */
  private place(entry: Entry): void {
    let low = 0;
    let high = this.order.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.order[middle]!.score >= entry.score) low = middle + 1;
      else high = middle;
    }
    this.order.splice(low, 0, entry);
    this.byId.set(entry.id, entry);
  }
}
