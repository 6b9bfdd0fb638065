import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ChatBroadcast, ChatCommand, type ChatCommandResults, type MessageChanged } from '@tandem/contract';
import { chatScenes, send } from './support/chat.js';
import { chatClient, command, commandOk, eventually, settle, type ChatClient } from './support/clients.js';
import { serverForSuite } from './support/server.js';

describe('chat reactions', () => {
  // A short presence grace, so that a closed tab leaves presence within the suite's waits.
  const server = serverForSuite({ PRESENCE_GRACE_MS: '100' });

  const { roomWithAnnAndBob, expectRefused } = chatScenes(() => server);

  describe('reactions', () => {
    it('adds and removes the user’s reaction, with counts and who reacted, broadcast as message:updated', async () => {
      const { ann, bob, room, heardByAnn } = await roomWithAnnAndBob();
      const sent = await send(ann.socket, room.id, 'ship it?');
      const toggle = (socket: ChatClient, emoji: string) =>
        commandOk<ChatCommandResults['reaction:toggle']>(socket, ChatCommand.ReactionToggle, {
          opId: randomUUID(),
          messageId: sent.id,
          emoji,
        });

      const first = await toggle(bob.socket, '👍');
      expect(first.message.reactions).toEqual([{ emoji: '👍', count: 1, userIds: [bob.session.user.id] }]);
      await toggle(ann.socket, '👍');
      const third = await toggle(ann.socket, '🇫🇷');
      expect(third.message.reactions).toEqual([
        { emoji: '👍', count: 2, userIds: [bob.session.user.id, ann.session.user.id] },
        { emoji: '🇫🇷', count: 1, userIds: [ann.session.user.id] },
      ]);
      const removed = await toggle(bob.socket, '👍');
      expect(removed.message.reactions).toEqual([
        { emoji: '👍', count: 1, userIds: [ann.session.user.id] },
        { emoji: '🇫🇷', count: 1, userIds: [ann.session.user.id] },
      ]);
      expect(removed.message.text).toBe('ship it?');
      await eventually(() => heardByAnn.length === 5, 'the send and four reaction updates');
      expect(heardByAnn.slice(1).map(({ event, data }) => [event, (data as MessageChanged).seq])).toEqual(
        [1, 2, 3, 4].map((i) => [ChatBroadcast.MessageUpdated, sent.seq + i]),
      );
      expect(heardByAnn.at(-1)?.data).toEqual({ roomId: room.id, seq: sent.seq + 4, message: removed.message });
      expect(server.db.prepare('SELECT COUNT(*) AS n FROM Reaction WHERE messageId = ?').get(sent.id)).toEqual({
        n: 2,
      });
    });

    it('bounds the different emoji on one message: a new one beyond the limit is a CONFLICT', async () => {
      const { ann, room, heardByAnn } = await roomWithAnnAndBob();
      const sent = await send(ann.socket, room.id, 'react away');
      // 😀 and the 49 faces after it: 50 different emoji.
      const faces = Array.from({ length: 51 }, (_, i) => String.fromCodePoint(0x1f600 + i));
      for (const face of faces.slice(0, 50)) {
        await commandOk(ann.socket, ChatCommand.ReactionToggle, {
          opId: randomUUID(),
          messageId: sent.id,
          emoji: face,
        });
      }
      await settle(50);
      heardByAnn.length = 0;
      const before = server.tableCounts();
      await expectRefused(
        command(ann.socket, ChatCommand.ReactionToggle, { opId: randomUUID(), messageId: sent.id, emoji: faces[50] }),
        'CONFLICT',
        before,
        heardByAnn,
      );
      // One already there may still be toggled.
      const { message } = await commandOk<ChatCommandResults['reaction:toggle']>(
        ann.socket,
        ChatCommand.ReactionToggle,
        {
          opId: randomUUID(),
          messageId: sent.id,
          emoji: faces[0],
        },
      );
      expect(message.reactions).toHaveLength(49);
    });

    it('refuses a non-member and an unknown message, writing and broadcasting nothing', async () => {
      const { ann, room, heardByAnn } = await roomWithAnnAndBob();
      const { socket: stranger } = await chatClient(server.url, 'stranger');
      const sent = await send(ann.socket, room.id, 'members only');
      await settle(50);
      heardByAnn.length = 0;
      const before = server.tableCounts();
      await expectRefused(
        command(stranger, ChatCommand.ReactionToggle, { opId: randomUUID(), messageId: sent.id, emoji: '👀' }),
        'FORBIDDEN',
        before,
        heardByAnn,
      );
      await expectRefused(
        command(ann.socket, ChatCommand.ReactionToggle, { opId: randomUUID(), messageId: randomUUID(), emoji: '👀' }),
        'NOT_FOUND',
        before,
        heardByAnn,
      );
    });
  });
});
