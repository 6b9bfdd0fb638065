import type { Message, MessageCreated, SystemAction, User } from '@tandem/contract';
import { encodedAs, writtenAs } from '../common/encoded-once.js';

/** What a new message's `message:created` is made of (see `newMessageCreated`). */
export type NewMessageFields = Pick<Message, 'id' | 'roomId' | 'seq' | 'author' | 'text' | 'kind' | 'createdAt'> & {
  action?: SystemAction | undefined;
  mentions: readonly User[];
  replyTo?: string | undefined;
  opId?: string | undefined;
};

/** The parts of a user's JSON, its id a UUID and its name escaped, pushed on `parts`. */
function pushUser(parts: unknown[], user: User): void {
  parts.push('{"id":"', user.id, '","name":', JSON.stringify(user.name), '}');
}

/**
 * A new message's `message:created` change, its message a shared value (`encodedAs`) and the
 * change's JSON known (`writtenAs`), both written from a fixed template: `JSON.stringify` of the
 * change (its message spliced in) cost twice as many instructions, and every message is written
 * once. The parts are joined (`join` makes one flat string; `+` would make a tree of pieces that
 * lives as long as the message, costing the collector what it saved). The template holds only
 * because the fields are what it assumes: ids are UUIDs (the contract's and the server's), kind
 * and action names of the code's own, the seq an integer and `createdAt` an ISO string, none with
 * anything to escape; only the text and names go through `JSON.stringify`. The objects are made
 * here, with their keys in the template's order (users copied as `{ id, name }`), and a property
 * test holds the template to `JSON.stringify` byte for byte.
 */
export function newMessageCreated(fields: NewMessageFields): MessageCreated {
  const { id, roomId, seq, text, kind, action, createdAt, replyTo, opId } = fields;
  const author = { id: fields.author.id, name: fields.author.name };
  const mentions = fields.mentions.map((user) => ({ id: user.id, name: user.name }));
  const message: Message = {
    id,
    roomId,
    seq,
    author,
    text,
    kind,
    ...(action ? { action } : {}),
    createdAt,
    reactions: [],
    mentions,
    ...(replyTo ? { replyTo } : {}),
  };
  const parts: unknown[] = ['{"id":"', id, '","roomId":"', roomId, '","seq":', seq, ',"author":'];
  pushUser(parts, author);
  parts.push(',"text":', JSON.stringify(text), ',"kind":"', kind, '"');
  if (action) parts.push(',"action":"', action, '"');
  parts.push(',"createdAt":"', createdAt, '","reactions":[],"mentions":[');
  mentions.forEach((user, index) => {
    if (index > 0) parts.push(',');
    pushUser(parts, user);
  });
  parts.push(replyTo ? `],"replyTo":"${replyTo}"}` : ']}');
  const json = parts.join('');
  const created: MessageCreated = { roomId, seq, message: encodedAs(message, json), ...(opId ? { opId } : {}) };
  const tail = opId ? `,"opId":"${opId}"}` : '}';
  return writtenAs(created, ['{"roomId":"', roomId, '","seq":', seq, ',"message":', json, tail].join(''));
}
