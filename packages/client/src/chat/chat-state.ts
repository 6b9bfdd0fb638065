import type { Room } from '@tandem/contract';
import type { RoomState, UnreadCounts } from './room.js';
import type { ThreadState } from './thread.js';

/** What the `/chat` feature holds. */
export interface ChatState {
  rooms: Room[];
  catalogLoading: boolean;
  /** Unread counts of listed rooms, by id, from `room:list`. */
  listedUnread: Record<string, UnreadCounts>;
  /** The joined rooms. */
  views: Record<string, RoomState>;
  currentRoomId: string | null;
  /** The thread shown, if any. */
  thread: ThreadState | null;
}

/** The joined rooms as last seen (their latest messages), and the room list: shown after a reload until it connects. */
export interface ChatLastSeen {
  rooms: Room[];
  views: Pick<RoomState, 'room' | 'seq' | 'messages' | 'members' | 'online' | 'hasOlder'>[];
}
