import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  ChatBroadcast,
  ChatCommand,
  type ChatCommandResults,
  type Message,
  type MessageChanged,
  type MessageCreated,
  type RoomResync,
} from '@tandem/contract';
import { chatScenes, createRoom, join, send } from './support/chat.js';
import { chatClient, command, commandOk, eventually, nextEvent, record, settle } from './support/clients.js';
import { serverForSuite } from './support/server.js';

describe('chat messages', () => {
  // A short presence grace, so that a closed tab leaves presence within the suite's waits.
  const server = serverForSuite({ PRESENCE_GRACE_MS: '100' });

  const { roomWithAnnAndBob, expectRefused } = chatScenes(() => server);

  describe('messages', () => {
    it('reaches the members of the room, and no one in another room', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bob } = await chatClient(server.url, 'bob');
      const { socket: carol } = await chatClient(server.url, 'carol');
      const room = await createRoom(ann);
      const elsewhere = await createRoom(carol);
      await join(ann, room.id);
      await join(bob, room.id);
      await join(carol, elsewhere.id);
      const heardByCarol = record(carol, ChatBroadcast.MessageCreated);

      const toBob = nextEvent<MessageCreated>(bob, ChatBroadcast.MessageCreated);
      const opId = randomUUID();
      const message = await send(ann, room.id, 'hello bob', opId);
      const received = await toBob;
      // With the opId that sent it: the sender's clients match it to their pending copy.
      expect(received).toEqual({ roomId: room.id, seq: message.seq, message, opId });
      expect(message.author.name).toBe('ann');

      const toAnn = nextEvent<MessageCreated>(ann, ChatBroadcast.MessageCreated);
      await send(bob, room.id, 'hello ann');
      expect((await toAnn).message.text).toBe('hello ann');

      await settle();
      expect(heardByCarol).toEqual([]);
    });

    it('acks only once the message is committed', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const room = await createRoom(ann);
      await join(ann, room.id);
      for (let i = 0; i < 20; i++) {
        const message = await send(ann, room.id, `durable ${i}`);
        // Read through a separate connection at the moment the ack arrives.
        // The row keeps its `message:created` change as broadcast (the room's log reads it from there).
        const stored = server.db
          .prepare('SELECT text, seq, createdChange FROM Message WHERE id = ?')
          .get(message.id) as { text: string; seq: number; createdChange: string };
        expect(stored).toMatchObject({ text: `durable ${i}`, seq: message.seq });
        expect(JSON.parse(stored.createdChange)).toMatchObject({ roomId: room.id, seq: message.seq, message });
      }
    });

    it('gives consecutive seqs, with one broadcast per message, in order', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bob } = await chatClient(server.url, 'bob');
      const room = await createRoom(ann);
      await join(ann, room.id);
      // Bob's first join is announced by a system message: it takes the room's first seq.
      const { seq: joinedAt } = await join(bob, room.id);
      const heard = record<MessageCreated>(bob, ChatBroadcast.MessageCreated);
      await Promise.all(Array.from({ length: 30 }, (_, i) => send(i % 2 ? ann : bob, room.id, `m${i}`)));
      await eventually(() => heard.length === 30, '30 broadcasts');
      expect(heard.map((event) => event.seq)).toEqual(Array.from({ length: 30 }, (_, i) => joinedAt + i + 1));
    });

    it('applies a retried send with the same opId once, returning the first result', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bob } = await chatClient(server.url, 'bob');
      const room = await createRoom(ann);
      await join(ann, room.id);
      await join(bob, room.id);
      const heard = record<MessageCreated>(bob, ChatBroadcast.MessageCreated);
      const opId = randomUUID();

      const [first, second] = await Promise.all([send(ann, room.id, 'once', opId), send(ann, room.id, 'once', opId)]);
      const third = await send(ann, room.id, 'once', opId);
      expect(second).toEqual(first);
      expect(third).toEqual(first);
      await settle();
      expect(heard).toHaveLength(1);
      expect(
        server.db.prepare("SELECT COUNT(*) AS n FROM Message WHERE roomId = ? AND kind = 'user'").get(room.id),
      ).toEqual({ n: 1 });
    });

    it('answers a retried send with its first result after the sender left the room', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bob } = await chatClient(server.url, 'bob');
      const room = await createRoom(ann);
      await join(bob, room.id);
      const opId = randomUUID();
      const first = await send(bob, room.id, 'before leaving', opId);
      await commandOk(bob, ChatCommand.RoomLeave, { roomId: room.id });

      expect(await send(bob, room.id, 'before leaving', opId)).toEqual(first);
      const fresh = await command(bob, ChatCommand.MessageSend, { opId: randomUUID(), roomId: room.id, text: 'after' });
      expect(fresh).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    });

    it('commits concurrent sends together, and a refused one in the same batch fails alone', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: outsider } = await chatClient(server.url, 'outsider');
      const room = await createRoom(ann);
      await join(ann, room.id);
      const acks = await Promise.all([
        ...Array.from({ length: 20 }, (_, i) =>
          command<ChatCommandResults['message:send']>(ann, ChatCommand.MessageSend, {
            opId: randomUUID(),
            roomId: room.id,
            text: `batched ${i}`,
          }),
        ),
        command<ChatCommandResults['message:send']>(outsider, ChatCommand.MessageSend, {
          opId: randomUUID(),
          roomId: room.id,
          text: 'not a member',
        }),
      ]);
      const refused = acks.pop();
      expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      const seqs = acks.map((ack) => (ack.ok ? ack.data.message.seq : -1)).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const batches = Number(/^tandem_db_write_batch_size_count (\d+)/m.exec(metrics)?.[1]);
      const writes = Number(/^tandem_db_write_batch_size_sum (\d+)/m.exec(metrics)?.[1]);
      expect(writes).toBeGreaterThan(batches);
    });

    it('refuses to send to a room one has not joined, writing nothing', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bob } = await chatClient(server.url, 'bob');
      const room = await createRoom(ann);
      await join(ann, room.id);
      const heard = record(ann, ChatBroadcast.MessageCreated);
      const before = server.tableCounts();
      const ack = await command(bob, ChatCommand.MessageSend, { opId: randomUUID(), roomId: room.id, text: 'sneaky' });
      expect(ack).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      await settle();
      expect(heard).toEqual([]);
      expect(server.tableCounts()).toEqual(before);
    });
  });

  describe('history', () => {
    it('pages backwards by cursor without overlap or gap', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const room = await createRoom(ann);
      await join(ann, room.id);
      for (let i = 1; i <= 120; i++) await send(ann, room.id, `message ${i}`);

      const pages: Message[][] = [];
      let before: number | undefined;
      for (;;) {
        const page = await commandOk<ChatCommandResults['message:history']>(ann, ChatCommand.MessageHistory, {
          roomId: room.id,
          ...(before === undefined ? {} : { before }),
        });
        pages.push(page.messages);
        if (page.nextCursor === null) break;
        before = page.nextCursor;
      }
      expect(pages.map((page) => page.length)).toEqual([50, 50, 20]);
      const all = pages.reverse().flat();
      expect(all.map((message) => message.text)).toEqual(Array.from({ length: 120 }, (_, i) => `message ${i + 1}`));

      const small = await commandOk<ChatCommandResults['message:history']>(ann, ChatCommand.MessageHistory, {
        roomId: room.id,
        limit: 5,
        before: 3,
      });
      expect(small.messages.map((message) => message.seq)).toEqual([1, 2]);
      expect(small.nextCursor).toBeNull();
    });
  });

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
