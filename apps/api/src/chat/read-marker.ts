/**
 * A member's read marker after `room:read {seq}`: it only moves forward (an older `seq`, from a
 * late or stale tab, never moves it back), and never past the room's last `seq`.
 */
export function advanceReadMarker(stored: number, requested: number, roomSeq: number): number {
  return Math.max(stored, Math.min(requested, roomSeq));
}
