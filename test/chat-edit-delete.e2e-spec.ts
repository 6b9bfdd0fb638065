import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ChatBroadcast, ChatCommand } from '@tandem/contract';
import type { ChatCommandResults, MessageChanged, RoomResync } from '@tandem/contract';
import { chatScenes, join, send } from './support/chat.js';
import { command, commandOk, eventually, settle } from './support/clients.js';
import { serverForSuite } from './support/server.js';

describe('chat messages', () => {
  // A short presence grace, so that a closed tab leaves presence within the suite's waits.
  const server = serverForSuite({ PRESENCE_GRACE_MS: '100' });

  const { roomWithAnnAndBob, expectRefused } = chatScenes(() => server);

  describe('edit and delete', () => {
    it("edits one's own message: marked edited, broadcast as message:updated with the next seq", async () => {
      const { ann, bob, room, heardByBob } = await roomWithAnnAndBob();
      const sent = await send(ann.socket, room.id, 'helo');
      const opId = randomUUID();
      const { message: edited } = await commandOk<ChatCommandResults['message:edit']>(
        ann.socket,
        ChatCommand.MessageEdit,
        {
          opId,
          messageId: sent.id,
          text: 'hello',
        },
      );
      expect(edited).toEqual({ ...sent, text: 'hello', editedAt: expect.any(String) });
      expect(Date.parse(edited.editedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(sent.createdAt));
      await eventually(() => heardByBob.length === 2, 'the send and the edit');
      expect(heardByBob[1]).toEqual({
        event: ChatBroadcast.MessageUpdated,
        data: { roomId: room.id, seq: sent.seq + 1, message: edited },
      });
      expect(
        server.db.prepare('SELECT text, editedAt IS NOT NULL AS edited FROM Message WHERE id = ?').get(sent.id),
      ).toEqual({
        text: 'hello',
        edited: 1,
      });
      // A retry is not applied twice.
      const retried = await commandOk<ChatCommandResults['message:edit']>(ann.socket, ChatCommand.MessageEdit, {
        opId,
        messageId: sent.id,
        text: 'hello',
      });
      expect(retried.message).toEqual(edited);
      await settle(50);
      expect(heardByBob).toHaveLength(2);
      const { messages } = await commandOk<ChatCommandResults['message:history']>(
        bob.socket,
        ChatCommand.MessageHistory,
        { roomId: room.id },
      );
      expect(messages.at(-1)).toEqual(edited);
    });

    it("refuses to edit or delete someone else's message, a system message, or a message one can no longer reach", async () => {
      const { ann, bob, room, joined, heardByBob, heardByAnn } = await roomWithAnnAndBob();
      const annMessage = await send(ann.socket, room.id, 'mine');
      const bobMessage = await send(bob.socket, room.id, 'his');
      await settle(50);
      heardByAnn.length = 0;
      heardByBob.length = 0;
      const systemMessage = joined.messages.at(-1);
      if (systemMessage?.kind !== 'system') throw new Error('expected the join announcement');
      const before = server.tableCounts();
      const attempts: [string, string, Record<string, unknown>][] = [
        ['FORBIDDEN', ChatCommand.MessageEdit, { messageId: annMessage.id, text: 'hijacked' }],
        ['FORBIDDEN', ChatCommand.MessageDelete, { messageId: annMessage.id }],
        ['FORBIDDEN', ChatCommand.MessageEdit, { messageId: systemMessage.id, text: 'bob did not join' }],
        ['FORBIDDEN', ChatCommand.MessageDelete, { messageId: systemMessage.id }],
        ['NOT_FOUND', ChatCommand.MessageEdit, { messageId: randomUUID(), text: 'ghost' }],
        ['NOT_FOUND', ChatCommand.MessageDelete, { messageId: randomUUID() }],
      ];
      for (const [code, event, payload] of attempts) {
        await expectRefused(
          command(bob.socket, event, { opId: randomUUID(), ...payload }),
          code,
          before,
          heardByAnn,
          heardByBob,
        );
      }

      // Having left the room, bob may no longer change what he wrote there.
      await commandOk(bob.socket, ChatCommand.RoomLeave, { roomId: room.id });
      await settle(50);
      heardByAnn.length = 0;
      const afterLeave = server.tableCounts();
      await expectRefused(
        command(bob.socket, ChatCommand.MessageEdit, { opId: randomUUID(), messageId: bobMessage.id, text: 'changed' }),
        'FORBIDDEN',
        afterLeave,
        heardByAnn,
      );
    });

    it('soft-deletes: id and seq kept, text gone from every answer, broadcast as message:deleted', async () => {
      const { ann, bob, room, heardByBob } = await roomWithAnnAndBob();
      const sendOpId = randomUUID();
      const secret = 'the password is hunter2, ask @bob';
      const sent = await send(ann.socket, room.id, secret, sendOpId);
      expect(sent.mentions).toEqual([bob.session.user]);
      await commandOk(ann.socket, ChatCommand.MessageEdit, {
        opId: randomUUID(),
        messageId: sent.id,
        text: `${secret}!`,
      });
      await commandOk(bob.socket, ChatCommand.ReactionToggle, { opId: randomUUID(), messageId: sent.id, emoji: '😱' });
      const deleteOpId = randomUUID();
      const { message: deleted } = await commandOk<ChatCommandResults['message:delete']>(
        ann.socket,
        ChatCommand.MessageDelete,
        {
          opId: deleteOpId,
          messageId: sent.id,
        },
      );
      expect(deleted).toEqual({
        ...sent,
        text: '',
        editedAt: expect.any(String),
        deletedAt: expect.any(String),
        reactions: [],
        mentions: [],
      });
      await eventually(() => heardByBob.length === 4, 'send, edit, reaction, delete');
      expect(heardByBob[3]).toEqual({
        event: ChatBroadcast.MessageDeleted,
        data: { roomId: room.id, seq: sent.seq + 3, message: deleted },
      });

      // Gone from history, from a fresh snapshot, from a resync replay, and from a retried send.
      const history = await commandOk<ChatCommandResults['message:history']>(bob.socket, ChatCommand.MessageHistory, {
        roomId: room.id,
      });
      expect(history.messages.find((message) => message.id === sent.id)).toEqual(deleted);
      const snapshot = await join(bob.socket, room.id);
      expect(snapshot.messages.find((message) => message.id === sent.id)).toEqual(deleted);
      const resync = await commandOk<RoomResync>(bob.socket, ChatCommand.RoomJoin, {
        roomId: room.id,
        sinceSeq: sent.seq - 1,
      });
      if (!('changes' in resync)) throw new Error('expected changes');
      expect(resync.changes.map((change) => change.event)).toEqual([
        ChatBroadcast.MessageCreated,
        ChatBroadcast.MessageUpdated,
        ChatBroadcast.MessageUpdated,
        ChatBroadcast.MessageDeleted,
      ]);
      for (const change of resync.changes) {
        const { message } = change.data as MessageChanged;
        expect(message).toMatchObject({ id: sent.id, seq: sent.seq, text: '', mentions: [] });
      }
      const retriedSend = await send(ann.socket, room.id, secret, sendOpId);
      expect(retriedSend).toMatchObject({ id: sent.id, text: '', deletedAt: deleted.deletedAt });
      const retriedDelete = await commandOk<ChatCommandResults['message:delete']>(
        ann.socket,
        ChatCommand.MessageDelete,
        {
          opId: deleteOpId,
          messageId: sent.id,
        },
      );
      expect(retriedDelete.message).toEqual(deleted);
      // The database keeps no trace of the text either, in the row or in the change log.
      expect(
        server.db.prepare('SELECT text, deletedAt IS NOT NULL AS deleted FROM Message WHERE id = ?').get(sent.id),
      ).toEqual({
        text: '',
        deleted: 1,
      });
      expect(server.db.prepare("SELECT COUNT(*) AS n FROM Change WHERE data LIKE '%hunter2%'").get()).toEqual({ n: 0 });
      expect(server.db.prepare('SELECT COUNT(*) AS n FROM Reaction WHERE messageId = ?').get(sent.id)).toEqual({
        n: 0,
      });

      // A deleted message can be neither edited, deleted again, nor reacted to.
      await settle(50);
      heardByBob.length = 0;
      const before = server.tableCounts();
      for (const [event, payload] of [
        [ChatCommand.MessageEdit, { messageId: sent.id, text: 'back' }],
        [ChatCommand.MessageDelete, { messageId: sent.id }],
        [ChatCommand.ReactionToggle, { messageId: sent.id, emoji: '👍' }],
      ] as const) {
        await expectRefused(
          command(ann.socket, event, { opId: randomUUID(), ...payload }),
          'NOT_FOUND',
          before,
          heardByBob,
        );
      }
    });
  });
});
