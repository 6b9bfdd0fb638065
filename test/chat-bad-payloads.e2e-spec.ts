import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ChatBroadcast, ChatCommand, ChatSignal, Limits } from '@tandem/contract';
import { chatScenes, createRoom, join, send } from './support/chat.js';
import { chatClient, command, record, settle } from './support/clients.js';
import { serverForSuite } from './support/server.js';

describe('chat bad payloads', () => {
  // A short presence grace, so that a closed tab leaves presence within the suite's waits.
  const server = serverForSuite({ PRESENCE_GRACE_MS: '100' });

  const { roomWithAnnAndBob } = chatScenes(() => server);

  describe('bad payloads to room and message commands', () => {
    const roomIdPlaceholder = '$room';
    const cases: [string, string, unknown][] = [
      ['a string instead of an object', ChatCommand.MessageSend, 'hello'],
      ['no payload at all', ChatCommand.MessageSend, undefined],
      ['an array', ChatCommand.MessageSend, [1, 2]],
      ['a missing opId', ChatCommand.MessageSend, { roomId: roomIdPlaceholder, text: 'x' }],
      ['an opId that is not a UUID', ChatCommand.MessageSend, { opId: 'abc', roomId: roomIdPlaceholder, text: 'x' }],
      [
        'an unknown field',
        ChatCommand.MessageSend,
        { opId: randomUUID(), roomId: roomIdPlaceholder, text: 'x', admin: true },
      ],
      [
        'a __proto__ key',
        ChatCommand.MessageSend,
        JSON.parse(
          `{"opId":"${randomUUID()}","roomId":"${roomIdPlaceholder}","text":"x","__proto__":{"polluted":true}}`,
        ),
      ],
      [
        'text over 4,000 characters',
        ChatCommand.MessageSend,
        { opId: randomUUID(), roomId: roomIdPlaceholder, text: 'x'.repeat(Limits.messageText + 1) },
      ],
      ['blank text', ChatCommand.MessageSend, { opId: randomUUID(), roomId: roomIdPlaceholder, text: '   ' }],
      ['text of the wrong type', ChatCommand.MessageSend, { opId: randomUUID(), roomId: roomIdPlaceholder, text: 42 }],
      ['a roomId that is not an id', ChatCommand.MessageSend, { opId: randomUUID(), roomId: 'general', text: 'x' }],
      ['an opId on a command that takes none', ChatCommand.RoomCreate, { name: 'x', opId: randomUUID() }],
      ['a room name over 100 characters', ChatCommand.RoomCreate, { name: 'x'.repeat(101) }],
      ['an unknown visibility', ChatCommand.RoomCreate, { name: 'x', visibility: 'secret' }],
      ['a negative sinceSeq', ChatCommand.RoomJoin, { roomId: roomIdPlaceholder, sinceSeq: -1 }],
      ['a fractional sinceSeq', ChatCommand.RoomJoin, { roomId: roomIdPlaceholder, sinceSeq: 1.5 }],
      ['a history limit above 100', ChatCommand.MessageHistory, { roomId: roomIdPlaceholder, limit: 101 }],
      ['a history limit of 0', ChatCommand.MessageHistory, { roomId: roomIdPlaceholder, limit: 0 }],
      [
        'a nested object as text',
        ChatCommand.MessageSend,
        { opId: randomUUID(), roomId: roomIdPlaceholder, text: { $gt: '' } },
      ],
      ['fields on room:list', ChatCommand.RoomList, { all: true }],
    ];

    it.each(cases)('answers VALIDATION to %s, writing and broadcasting nothing', async (_, event, payload) => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bob } = await chatClient(server.url, 'bob');
      const room = await createRoom(ann);
      await join(ann, room.id);
      await join(bob, room.id);
      const heard = record(bob, ChatBroadcast.MessageCreated);
      const before = server.tableCounts();
      const withRoom = JSON.parse(
        JSON.stringify(payload ?? null)?.replaceAll(roomIdPlaceholder, room.id) ?? 'null',
      ) as unknown;

      const ack = await command(ann, event, payload === undefined ? undefined : withRoom);
      expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.any(String) } });
      if (!ack.ok) expect((ack.error.details as { issues: unknown[] }).issues.length).toBeGreaterThan(0);
      await settle(50);
      expect(heard).toEqual([]);
      expect(server.tableCounts()).toEqual(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('bad payloads to edits, reactions, read markers, renames and invites', () => {
    const id = '$message';
    const cases: [string, string, unknown][] = [
      ['edit without opId', ChatCommand.MessageEdit, { messageId: id, text: 'x' }],
      ['edit with blank text', ChatCommand.MessageEdit, { opId: randomUUID(), messageId: id, text: '   ' }],
      [
        'edit with text over 4,000 characters',
        ChatCommand.MessageEdit,
        { opId: randomUUID(), messageId: id, text: 'x'.repeat(Limits.messageText + 1) },
      ],
      [
        'edit of a messageId that is not an id',
        ChatCommand.MessageEdit,
        { opId: randomUUID(), messageId: 'last', text: 'x' },
      ],
      ['delete with an unknown field', ChatCommand.MessageDelete, { opId: randomUUID(), messageId: id, hard: true }],
      ['delete without messageId', ChatCommand.MessageDelete, { opId: randomUUID() }],
      ['a reaction that is a word', ChatCommand.ReactionToggle, { opId: randomUUID(), messageId: id, emoji: 'ok' }],
      ['a reaction of two emoji', ChatCommand.ReactionToggle, { opId: randomUUID(), messageId: id, emoji: '😀😀' }],
      [
        'a reaction over 16 characters',
        ChatCommand.ReactionToggle,
        { opId: randomUUID(), messageId: id, emoji: '👍'.repeat(9) },
      ],
      ['an empty reaction', ChatCommand.ReactionToggle, { opId: randomUUID(), messageId: id, emoji: '' }],
      [
        'a reaction that is not a string',
        ChatCommand.ReactionToggle,
        { opId: randomUUID(), messageId: id, emoji: 128077 },
      ],
      ['a reaction without opId', ChatCommand.ReactionToggle, { messageId: id, emoji: '👍' }],
      ['a negative read seq', ChatCommand.RoomRead, { roomId: '$room', seq: -1 }],
      ['a fractional read seq', ChatCommand.RoomRead, { roomId: '$room', seq: 2.5 }],
      ['room:read with an opId', ChatCommand.RoomRead, { opId: randomUUID(), roomId: '$room', seq: 1 }],
      ['a blank new name', ChatCommand.RoomRename, { opId: randomUUID(), roomId: '$room', name: ' ' }],
      [
        'a rotation with an unknown field',
        ChatCommand.RoomInviteRotate,
        { opId: randomUUID(), roomId: '$room', inviteCode: 'mine' },
      ],
      ['activity with fields', ChatSignal.Activity, { away: true }],
    ];

    it.each(cases)('answers VALIDATION to %s, writing and broadcasting nothing', async (_, event, payload) => {
      const { ann, room, heardByAnn, heardByBob } = await roomWithAnnAndBob();
      const message = await send(ann.socket, room.id, 'target');
      await settle(50);
      heardByAnn.length = 0;
      heardByBob.length = 0;
      const resolved = JSON.parse(
        JSON.stringify(payload).replaceAll('$message', message.id).replaceAll('$room', room.id),
      ) as unknown;
      const before = server.tableCounts();
      const ack = await command(ann.socket, event, resolved);
      expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION', details: { issues: expect.any(Array) } } });
      await settle(100);
      expect(server.tableCounts()).toEqual(before);
      expect(heardByAnn).toEqual([]);
      expect(heardByBob).toEqual([]);
    });
  });
});
