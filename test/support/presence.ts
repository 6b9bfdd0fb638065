import {
  ChatBroadcast,
  applyPresence,
  type PresenceChanged,
  type PresenceMember,
  type PresencePage,
} from '@tandem/contract';
import type { ChatClient } from './clients.js';

/**
 * One room's presence as a client keeps it: the first page from a join's answer, then every
 * `presence` delta applied in version order (as the web app does). Deltas heard while a join is
 * in flight (before `start`, or after `joining`) are held, and those newer than the answer's
 * version applied after it; a version gap is counted in `gaps`.
 */
export class PresenceView {
  members: PresenceMember[] = [];
  online = 0;
  version = -1;
  gaps = 0;
  private held: PresenceChanged[] = [];

  constructor(
    socket: ChatClient,
    readonly roomId: string,
  ) {
    socket.on(ChatBroadcast.Presence, (delta) => this.apply(delta));
  }

  /** A (re)join is on its way: deltas wait for its answer. */
  joining(): void {
    this.version = -1;
    this.held = [];
  }

  start(page: PresencePage): this {
    this.members = page.members;
    this.online = page.online;
    this.version = page.version;
    const held = this.held.sort((a, b) => a.version - b.version);
    this.held = [];
    for (const delta of held) this.apply(delta);
    return this;
  }

  names(): string[] {
    return this.members.map((member) => member.name);
  }

  member(userId: string): PresenceMember | undefined {
    return this.members.find((member) => member.id === userId);
  }

  private apply(delta: PresenceChanged): void {
    if (delta.roomId !== this.roomId) return;
    if (this.version < 0) {
      this.held.push(delta);
      return;
    }
    if (delta.version <= this.version) return;
    const held = { members: this.members, online: this.online, presenceVersion: this.version };
    if (applyPresence(held, delta) === 'gap') {
      this.gaps += 1;
      return;
    }
    this.members = held.members;
    this.online = held.online;
    this.version = held.presenceVersion;
  }
}

/**
 * Reads the first page (`read`, a `room:members` without a cursor) until it lists exactly `names`
 * (in any order), for clients that keep no presence of their own; returns the names last read.
 */
export async function onlineNames(read: () => Promise<PresencePage>, names: string[]): Promise<string[]> {
  const wanted = [...names].sort().join();
  let seen: string[] = [];
  for (let attempt = 0; attempt < 50; attempt++) {
    seen = (await read()).members.map((member) => member.name).sort();
    if (seen.join() === wanted) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return seen;
}
