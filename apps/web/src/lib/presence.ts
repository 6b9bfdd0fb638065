import { type PresenceHeld, type PresencePage } from '@tandem/contract';

export { applyPresence, type PresenceHeld } from '@tandem/contract';

/** The first page as the server gave it (a join's answer, or `room:members` without a cursor). */
export function presenceFrom(page: PresencePage): PresenceHeld {
  return { members: page.members, online: page.online, presenceVersion: page.version };
}
