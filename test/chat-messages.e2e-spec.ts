import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { ChatBroadcast, ChatCommand, type ChatCommandResults, type MessageCreated } from '@tandem/contract';
import { createRoom, join, send } from './support/chat.js';
import { chatClient, command, commandOk, eventually, nextEvent, record, settle } from './support/clients.js';
import { serverForSuite } from './support/server.js';

describe('chat messages', () => {
  // A short presence grace, so that a closed tab leaves presence within the suite's waits.
  const server = serverForSuite({ PRESENCE_GRACE_MS: '100' });

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

    it("sends the broadcast as its change was recorded, and the ack with the message's JSON, byte for byte", async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bob } = await chatClient(server.url, 'bob');
      const room = await createRoom(ann);
      await join(ann, room.id);
      await join(bob, room.id);
      /** Each Socket.IO packet as the socket's connection received it, before decoding. */
      const frames = (socket: typeof ann) => {
        const texts: string[] = [];
        socket.io.engine.on('packet', ({ data }) => texts.push(String(data)));
        return texts;
      };
      const [toAnn, toBob] = [frames(ann), frames(bob)];
      const text = 'quotes " and \\ back, ünïcode \u2028 and an emoji 🎉';
      const message = await send(ann, room.id, text);
      await eventually(() => toBob.some((frame) => frame.includes(message.id)), 'the broadcast to bob');
      const { createdChange } = server.db.prepare('SELECT createdChange FROM Message WHERE id = ?').get(message.id) as {
        createdChange: string;
      };
      const broadcast = `2/chat,["${ChatBroadcast.MessageCreated}",${createdChange}]`;
      expect(toBob.filter((frame) => frame.includes(message.id))).toEqual([broadcast]);
      expect(toAnn.filter((frame) => frame.startsWith('2/chat,') && frame.includes(message.id))).toEqual([broadcast]);
      // The ack carries the message as the record holds it.
      const recorded = JSON.parse(createdChange) as MessageCreated;
      const ack = toAnn.find((frame) => frame.startsWith('3/chat,'))!;
      expect(ack.replace(/^3\/chat,\d+/, '')).toBe(
        `[{"ok":true,"data":{"message":${JSON.stringify(recorded.message)}}}]`,
      );
      expect(JSON.parse(createdChange)).toMatchObject({ seq: message.seq, message: { text } });
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

    it("keeps a sent message's id with its opId, and answers a retry from the message's row", async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const room = await createRoom(ann);
      await join(ann, room.id);
      const opId = randomUUID();
      const first = await send(ann, room.id, 'kept on its row', opId);
      const stored = server.db.prepare('SELECT result FROM ProcessedOp WHERE opId = ?').get(opId) as { result: string };
      // The text is not kept twice: the opId holds the message's id only.
      expect(JSON.parse(stored.result)).toEqual({ sent: first.id });
      expect(await send(ann, room.id, 'kept on its row', opId)).toEqual(first);
      // An opId stored with its whole result (as before the id was kept instead) still answers it.
      const writer = new Database(server.db.name);
      writer.prepare('UPDATE ProcessedOp SET result = ? WHERE opId = ?').run(JSON.stringify({ message: first }), opId);
      writer.close();
      expect(await send(ann, room.id, 'kept on its row', opId)).toEqual(first);
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
});
