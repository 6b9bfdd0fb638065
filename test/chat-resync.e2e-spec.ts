import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  ChatBroadcast,
  ChatCommand,
  Limits,
  type ChatChange,
  type Message,
  type MessageCreated,
  type RoomResync,
} from '@tandem/contract';
import { chatScenes, createRoom, join, send } from './support/chat.js';
import { chatClient, commandOk, connect, eventually, socketFor, type ChatClient } from './support/clients.js';
import { PresenceView } from './support/presence.js';
import { serverForSuite } from './support/server.js';

/**
 * A client's copy of a room's messages, kept the way a client that speaks only the protocol
 * keeps it: each change applied once, in seq order; a message is replaced whole by id.
 */
class RoomCopy {
  readonly messages = new Map<string, Message>();
  seq: number;

  constructor(snapshot: { seq: number; messages: Message[] }) {
    this.seq = snapshot.seq;
    for (const message of snapshot.messages) this.messages.set(message.id, message);
  }

  apply(change: ChatChange): void {
    if (change.seq <= this.seq) return;
    if (change.seq !== this.seq + 1) throw new Error(`gap: have ${this.seq}, got ${change.seq}`);
    this.seq = change.seq;
    if (change.event !== ChatBroadcast.RoomUpdated) this.messages.set(change.data.message.id, change.data.message);
  }

  ordered(): Message[] {
    return [...this.messages.values()].sort((a, b) => a.seq - b.seq);
  }
}

describe('chat resync', () => {
  // A short presence grace, so that a closed tab leaves presence within the suite's waits.
  const server = serverForSuite({ PRESENCE_GRACE_MS: '100' });

  const { tab, roomWithAnnAndBob } = chatScenes(() => server);

  describe('resync', () => {
    it('replays exactly the 20 missed messages, in order, on rejoin with sinceSeq', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bob, session } = await chatClient(server.url, 'bob');
      const room = await createRoom(ann);
      await join(ann, room.id);
      await send(ann, room.id, 'before');
      const { seq: bobSeq } = await join(bob, room.id);
      bob.disconnect();

      const sent: Message[] = [];
      for (let i = 0; i < 20; i++) sent.push(await send(ann, room.id, `missed ${i}`));

      const bobAgain = await connect(socketFor<ChatClient>(server.url, '/chat', session.token));
      const resync = await commandOk<RoomResync>(bobAgain, ChatCommand.RoomJoin, { roomId: room.id, sinceSeq: bobSeq });
      if (!('changes' in resync)) throw new Error('expected changes, got a snapshot');
      expect(resync.seq).toBe(bobSeq + 20);
      expect(resync.changes.map((change) => change.seq)).toEqual(Array.from({ length: 20 }, (_, i) => bobSeq + 1 + i));
      expect(resync.changes.map((change) => change.event)).toEqual(Array(20).fill(ChatBroadcast.MessageCreated));
      expect(resync.changes.map((change) => (change.data as MessageCreated).message)).toEqual(sent);

      const upToDate = await commandOk<RoomResync>(bobAgain, ChatCommand.RoomJoin, {
        roomId: room.id,
        sinceSeq: resync.seq,
      });
      expect(upToDate).toMatchObject({ seq: resync.seq, changes: [] });
      const seenByBob = new PresenceView(bobAgain, room.id).start(upToDate.presence);
      await eventually(() => seenByBob.names().join() === 'ann,bob', 'both online');
    });

    it('answers a snapshot when the gap is beyond what is replayed', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const room = await createRoom(ann);
      await join(ann, room.id);
      const total = Limits.resyncMaxChanges + 2;
      for (let i = 0; i < total; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, total - i) }, (_, k) => send(ann, room.id, `bulk ${i + k}`)),
        );
      }
      const resync = await commandOk<RoomResync>(ann, ChatCommand.RoomJoin, { roomId: room.id, sinceSeq: 1 });
      expect(resync).toMatchObject({ seq: total, snapshot: true });
      if (!('snapshot' in resync)) throw new Error('expected a snapshot');
      expect(resync.messages).toHaveLength(Limits.snapshotMessages);
      expect(resync.messages.at(-1)?.seq).toBe(total);

      const ahead = await commandOk<RoomResync>(ann, ChatCommand.RoomJoin, { roomId: room.id, sinceSeq: total + 10 });
      expect(ahead).toMatchObject({ snapshot: true, seq: total });
    });

    it('resyncs a client that missed edits, deletes and reactions to exactly the state of a fresh snapshot', async () => {
      const { ann, bob, room } = await roomWithAnnAndBob();
      const kept = await send(ann.socket, room.id, 'kept');
      const copy = new RoomCopy(await join(bob.socket, room.id));
      bob.socket.disconnect();

      const changed = await send(ann.socket, room.id, 'to be edited');
      const doomed = await send(ann.socket, room.id, 'to be deleted');
      await commandOk(ann.socket, ChatCommand.MessageEdit, {
        opId: randomUUID(),
        messageId: changed.id,
        text: 'edited',
      });
      await commandOk(ann.socket, ChatCommand.MessageEdit, {
        opId: randomUUID(),
        messageId: kept.id,
        text: 'kept, edited',
      });
      await commandOk(ann.socket, ChatCommand.ReactionToggle, { opId: randomUUID(), messageId: kept.id, emoji: '🎉' });
      await commandOk(ann.socket, ChatCommand.MessageDelete, { opId: randomUUID(), messageId: doomed.id });
      await commandOk(ann.socket, ChatCommand.RoomRename, {
        opId: randomUUID(),
        roomId: room.id,
        name: 'renamed meanwhile',
      });

      const bobAgain = await tab(bob.session);
      const resync = await commandOk<RoomResync>(bobAgain, ChatCommand.RoomJoin, {
        roomId: room.id,
        sinceSeq: copy.seq,
      });
      if (!('changes' in resync)) throw new Error('expected changes');
      expect(resync.changes.map((change) => change.seq)).toEqual(
        Array.from({ length: resync.seq - copy.seq }, (_, i) => copy.seq + 1 + i),
      );
      expect(resync.room.name).toBe('renamed meanwhile');
      for (const change of resync.changes) copy.apply(change);

      const fresh = await join(bobAgain, room.id);
      expect(copy.seq).toBe(fresh.seq);
      expect(copy.ordered()).toEqual(fresh.messages);
      expect(
        copy.ordered().map((message) => [message.text, message.deletedAt !== undefined, message.reactions.length]),
      ).toEqual([
        ['bob joined', false, 0],
        ['kept, edited', false, 1],
        ['edited', false, 0],
        ['', true, 0],
        ['ann renamed the room to "renamed meanwhile"', false, 0],
      ]);
    });
  });
});
