/**
 * Socket.IO room names and change-stream keys. Built here only, so that the server's joins,
 * broadcasts and change log always agree on them.
 */
export const rooms = {
  /** Every socket of one user, on any node: for per-user fan-out and "leave everywhere". */
  user: (userId: string) => `user:${userId}`,
  /** A chat room's subscribers; also the key of the room's change stream. */
  chat: (roomId: string) => `chat:${roomId}`,
  board: (boardId: string) => `board:${boardId}`,
  list: (listId: string) => `list:${listId}`,
} as const;
