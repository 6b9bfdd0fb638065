/** What ordering needs of an item: its key, and its id for the (theoretical) tie. */
export interface Placed {
  id: string;
  position: string;
}

/**
 * List order: keys compared as plain strings (code units; keys are ASCII, so this is byte
 * order), then ids. Done here rather than by `ORDER BY`, because a database's collation may
 * order mixed-case strings otherwise (PostgreSQL's default locales do), and fractional keys are
 * only meaningful in byte order.
 */
export function byPosition(a: Placed, b: Placed): number {
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The live keys of one list, in order: where a new, moved or restored item can go. */
export class ListOrder {
  private readonly placed: Placed[];

  constructor(placed: Placed[]) {
    this.placed = [...placed].sort(byPosition);
  }

  /** The last key, or null for an empty list. */
  last(): string | null {
    return this.placed.at(-1)?.position ?? null;
  }

  /** The lowest key above `position` (null: the first key), ignoring one item. */
  after(position: string | null, except: string): string | null {
    return (
      this.placed.find((entry) => entry.id !== except && (position === null || entry.position > position))?.position ??
      null
    );
  }

  /** The highest key below `position` (null: the last key), ignoring one item. */
  before(position: string | null, except: string): string | null {
    return (
      this.placed.findLast((entry) => entry.id !== except && (position === null || entry.position < position))
        ?.position ?? null
    );
  }

  /** Whether another item holds this key. */
  isTaken(position: string, except: string): boolean {
    return this.placed.some((entry) => entry.id !== except && entry.position === position);
  }
}
