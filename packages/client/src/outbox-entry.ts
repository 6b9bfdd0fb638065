import type { Namespace } from '@tandem/contract';

/**
 * A command made on this client and not acknowledged yet, as data: its namespace, what the
 * feature calls it (`name`, replayed by name after a reload) and its arguments (plain JSON).
 * Made once, kept across retries: the server applies one `opId` at most once.
 */
export interface OutboxEntry<A = unknown> {
  opId: string;
  namespace: Namespace;
  name: string;
  args: A;
  /** `queued`: waits to be sent; `sending`: on the wire; `failed`: refused, kept for the user to retry or drop. */
  status: 'queued' | 'sending' | 'failed';
  error: string | null;
  /** ISO time it was made. */
  createdAt: string;
}
