/** What ordering needs of an item: its key, and its id for the (theoretical) tie. */
export interface Placed {
  id: string;
  position: string;
}

/**
 * List order: keys compared as plain strings (code units; keys are ASCII, so this is byte
 * order), then ids: the order the databases keep keys in (`Item.position` compares bytes on
 * both, see `nearestKey`), for a list's items read whole.
 */
export function byPosition(a: Placed, b: Placed): number {
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
