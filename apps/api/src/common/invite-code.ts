import { randomBytes } from 'node:crypto';
import type { Visibility } from '@tandem/contract';

/** The secret that opens a private room, board or list: 96 random bits, URL-safe. */
export function newInviteCode(): string {
  return randomBytes(12).toString('base64url');
}

/** A new space's invite code: private ones have one, public ones none. */
export function inviteCodeFor(visibility: Visibility): string | null {
  return visibility === 'private' ? newInviteCode() : null;
}
