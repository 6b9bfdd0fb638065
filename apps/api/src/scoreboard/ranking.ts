/**
 * Standard competition ranking ("1, 2, 2, 4"): a player's rank is 1 + the number of players with
 * a strictly higher score. `ordered` must already be sorted best first, ties in the order their
 * players reached the score; that order is kept.
 */
export function rankPlayers<P extends { score: number }>(ordered: readonly P[]): (P & { rank: number })[] {
  return mapRanked(ordered, (player, rank) => ({ ...player, rank }));
}

/** `rankPlayers`, each ranked player made by `make` (the players as they are, best first). */
export function mapRanked<P extends { score: number }, R>(
  ordered: readonly P[],
  make: (player: P, rank: number) => R,
): R[] {
  const ranked = new Array<R>(ordered.length);
  let rank = 0;
  for (let index = 0; index < ordered.length; index++) {
    const player = ordered[index]!;
    if (index === 0 || player.score !== ordered[index - 1]!.score) rank = index + 1;
    ranked[index] = make(player, rank);
  }
  return ranked;
}
