/**
 * Standard competition ranking ("1, 2, 2, 4"): a player's rank is 1 + the number of players with
 * a strictly higher score. `ordered` must already be sorted best first, ties in the order their
 * players reached the score; that order is kept.
 */
export function rankPlayers<P extends { score: number }>(ordered: readonly P[]): (P & { rank: number })[] {
  let rank = 0;
  return ordered.map((player, index) => {
    if (index === 0 || player.score !== ordered[index - 1]?.score) rank = index + 1;
    return { ...player, rank };
  });
}
