import { ErrorCode } from '@tandem/contract';
import { ClientErrorCode, type CommandError } from './transport.js';

/** A rate-limited command whose answer names no wait is tried again after this, doubled each time. */
export const retryBaseMs = 1_000;
export const retryMaxMs = 30_000;

/** One field of an error's `details`, whose shape depends on the error. */
export function detail(details: unknown, key: string): unknown {
  return typeof details === 'object' && details !== null ? (details as Record<string, unknown>)[key] : undefined;
}

/**
 * What becomes of a command that was not applied: `'reconnect'` (kept, and sent again with the
 * same `opId` once the connection is back), a wait in ms before sending it again with the same
 * `opId`, or null (refused: give up). `attempt` counts the earlier tries, for the back-off.
 */
export function retryPlan(error: CommandError, connected: boolean, attempt = 0): 'reconnect' | number | null {
  const backOff = Math.min(retryBaseMs * 2 ** attempt, retryMaxMs);
  // Unanswered: perhaps applied, perhaps not; the same opId again is safe either way.
  if (error.code === ClientErrorCode.NoAnswer) return connected ? backOff : 'reconnect';
  // A draining server refuses what it would have applied: the node reached next will apply it.
  if (error.code === ErrorCode.Unavailable) {
    const retryAfterMs = detail(error.details, 'retryAfterMs');
    return typeof retryAfterMs === 'number' && connected ? retryAfterMs : 'reconnect';
  }
  if (error.code !== ErrorCode.RateLimited) return null;
  const retryAfterMs = detail(error.details, 'retryAfterMs');
  return typeof retryAfterMs === 'number' ? Math.max(retryAfterMs, backOff / 2) : backOff;
}
