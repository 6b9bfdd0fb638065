import type { Message, User } from '@tandem/contract';

// Messages for the chat reducers' specs (built only for them: see tsconfig.build.json).

export const ada: User = { id: 'u-ada', name: 'Ada' };
export const bob: User = { id: 'u-bob', name: 'Bob' };

/** A user message of room r1 at `seq`, by `author`, with `fields` on top. */
export const message = (seq: number, author = bob, fields: Partial<Message> = {}): Message => ({
  id: `m${seq}`,
  roomId: 'r1',
  seq,
  author,
  text: `text ${seq}`,
  kind: 'user',
  mentions: [],
  reactions: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  ...fields,
});
