import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ChatBroadcast,
  ChatCommand,
  ChatSignal,
  Limits,
  SystemAction,
  generalRoom,
  systemUser,
  type ChatChange,
  type ChatCommandResults,
  type Message,
  type MessageChanged,
  type PresenceChanged,
  type ReadUpdated,
  type Room,
  type RoomListEntry,
  type RoomResync,
  type RoomSnapshot,
  type RoomUpdated,
  type SessionCreated,
} from '@tandem/contract';
import {
  chatClient,
  closeAllClients,
  command,
  commandOk,
  connect,
  eventually,
  nextEvent,
  record,
  settle,
  socketFor,
  type ChatClient,
} from './support/clients.js';
import { startServer, type TestServer } from './support/server.js';

/** The persisted broadcasts of `/chat`: what "nothing was broadcast" watches. */
const persistedEvents = [
  ChatBroadcast.MessageCreated,
  ChatBroadcast.MessageUpdated,
  ChatBroadcast.MessageDeleted,
  ChatBroadcast.RoomUpdated,
  ChatBroadcast.ReadUpdated,
];

function heardBy(socket: ChatClient): { event: string; data: unknown }[] {
  const heard: { event: string; data: unknown }[] = [];
  socket.onAny((event: string, data: unknown) => {
    if ((persistedEvents as string[]).includes(event)) heard.push({ event, data });
  });
  return heard;
}

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

describe('chat, complete', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ PRESENCE_GRACE_MS: '100' });
  });
  afterEach(() => closeAllClients());
  afterAll(async () => {
    await server.close();
  });

  async function createRoom(
    socket: ChatClient,
    visibility?: 'private',
    name = `room-${randomUUID().slice(0, 8)}`,
  ): Promise<Room> {
    const { room } = await commandOk<ChatCommandResults['room:create']>(socket, ChatCommand.RoomCreate, {
      name,
      ...(visibility ? { visibility } : {}),
    });
    return room;
  }

  function join(socket: ChatClient, roomId: string, extra: Record<string, unknown> = {}) {
    return commandOk<RoomSnapshot>(socket, ChatCommand.RoomJoin, { roomId, ...extra });
  }

  async function send(socket: ChatClient, roomId: string, text: string, opId: string = randomUUID()): Promise<Message> {
    return (
      await commandOk<ChatCommandResults['message:send']>(socket, ChatCommand.MessageSend, { opId, roomId, text })
    ).message;
  }

  async function listed(socket: ChatClient, roomId: string): Promise<RoomListEntry | undefined> {
    const { rooms } = await commandOk<ChatCommandResults['room:list']>(socket, ChatCommand.RoomList, {});
    return rooms.find((room) => room.id === roomId);
  }

  /** Another tab of the same user. */
  function tab(session: SessionCreated): Promise<ChatClient> {
    return connect(socketFor<ChatClient>(server.url, '/chat', session.token));
  }

  /** A room created by ann and joined by both ann and bob, with every persisted broadcast bob hears. */
  async function roomWithAnnAndBob(visibility?: 'private') {
    const ann = await chatClient(server.url, 'ann');
    const bob = await chatClient(server.url, 'bob');
    const room = await createRoom(ann.socket, visibility);
    await join(ann.socket, room.id);
    const joined = await join(bob.socket, room.id, visibility ? { inviteCode: room.inviteCode } : {});
    return { ann, bob, room, joined, heardByBob: heardBy(bob.socket), heardByAnn: heardBy(ann.socket) };
  }

  /** A refusal: the code, then nothing written and nothing broadcast to `listeners`. */
  async function expectRefused(
    sending: Promise<unknown>,
    code: string,
    before: Record<string, number>,
    ...listeners: { event: string }[][]
  ): Promise<void> {
    expect(await sending).toMatchObject({ ok: false, error: { code, message: expect.any(String) } });
    await settle(100);
    expect(server.tableCounts()).toEqual(before);
    for (const heard of listeners) expect(heard).toEqual([]);
  }

  describe('private rooms', () => {
    it('gives the invite code to members only, and keeps the membership across a reconnect', async () => {
      const { socket: owner } = await chatClient(server.url, 'owner');
      const { socket: guest, session } = await chatClient(server.url, 'guest');
      const room = await createRoom(owner, 'private');
      expect(room.inviteCode).toEqual(expect.any(String));
      expect(await listed(guest, room.id)).toBeUndefined();

      const heardByOwner = heardBy(owner);
      await join(owner, room.id);
      const before = server.tableCounts();
      await expectRefused(command(guest, ChatCommand.RoomJoin, { roomId: room.id }), 'FORBIDDEN', before, heardByOwner);
      await expectRefused(
        command(guest, ChatCommand.RoomJoin, { roomId: room.id, inviteCode: 'nope' }),
        'FORBIDDEN',
        before,
        heardByOwner,
      );
      await expectRefused(
        command(guest, ChatCommand.MessageHistory, { roomId: room.id }),
        'FORBIDDEN',
        before,
        heardByOwner,
      );

      const joined = await join(guest, room.id, { inviteCode: room.inviteCode });
      expect(joined.room.inviteCode).toBe(room.inviteCode);

      guest.disconnect();
      const again = await tab(session);
      expect(await listed(again, room.id)).toMatchObject({ id: room.id, member: true, inviteCode: room.inviteCode });
      // A member rejoins without the code.
      expect((await join(again, room.id)).room.id).toBe(room.id);
    });

    it('lets the creator rotate the invite code: the old one stops working, and others may not rotate', async () => {
      const { socket: owner } = await chatClient(server.url, 'owner');
      const { socket: member } = await chatClient(server.url, 'member');
      const { socket: newcomer } = await chatClient(server.url, 'newcomer');
      const { socket: late } = await chatClient(server.url, 'late');
      const room = await createRoom(owner, 'private');
      await join(owner, room.id);
      await join(member, room.id, { inviteCode: room.inviteCode });
      const heardByOwner = heardBy(owner);

      const before = server.tableCounts();
      await expectRefused(
        command(member, ChatCommand.RoomInviteRotate, { opId: randomUUID(), roomId: room.id }),
        'FORBIDDEN',
        before,
        heardByOwner,
      );
      await expectRefused(
        command(owner, ChatCommand.RoomInviteRotate, { opId: randomUUID(), roomId: randomUUID() }),
        'NOT_FOUND',
        before,
        heardByOwner,
      );
      await expectRefused(
        command(owner, ChatCommand.RoomInviteRotate, { roomId: room.id }),
        'VALIDATION',
        before,
        heardByOwner,
      );

      const opId = randomUUID();
      const { room: rotated } = await commandOk<ChatCommandResults['room:invite:rotate']>(
        owner,
        ChatCommand.RoomInviteRotate,
        {
          opId,
          roomId: room.id,
        },
      );
      expect(rotated).toMatchObject({ id: room.id, visibility: 'private', inviteCode: expect.any(String) });
      expect(rotated.inviteCode).not.toBe(room.inviteCode);
      // A retry answers the same code and rotates nothing.
      const retried = await commandOk<ChatCommandResults['room:invite:rotate']>(owner, ChatCommand.RoomInviteRotate, {
        opId,
        roomId: room.id,
      });
      expect(retried.room.inviteCode).toBe(rotated.inviteCode);
      expect(server.db.prepare('SELECT inviteCode FROM Room WHERE id = ?').get(room.id)).toEqual({
        inviteCode: rotated.inviteCode,
      });
      await settle(50);
      expect(heardByOwner).toEqual([]);

      const beforeOldCode = server.tableCounts();
      await expectRefused(
        command(newcomer, ChatCommand.RoomJoin, { roomId: room.id, inviteCode: room.inviteCode }),
        'FORBIDDEN',
        beforeOldCode,
        heardByOwner,
      );
      await join(late, room.id, { inviteCode: rotated.inviteCode });
      // Members see the current code.
      expect(await listed(member, room.id)).toMatchObject({ inviteCode: rotated.inviteCode });

      const publicRoom = await createRoom(owner);
      const beforePublic = server.tableCounts();
      await expectRefused(
        command(owner, ChatCommand.RoomInviteRotate, { opId: randomUUID(), roomId: publicRoom.id }),
        'CONFLICT',
        beforePublic,
      );
    });
  });

  describe('system messages', () => {
    it('announces a first join and a leave like any message, and not a rejoin by a member', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bob, session } = await chatClient(server.url, 'bob');
      const room = await createRoom(ann);
      await join(ann, room.id);
      const heardByAnn = heardBy(ann);

      const joined = await join(bob, room.id);
      await eventually(() => heardByAnn.length === 1, 'the join announcement');
      const [announcement] = heardByAnn as { event: string; data: MessageChanged }[];
      expect(announcement).toEqual({
        event: ChatBroadcast.MessageCreated,
        data: {
          roomId: room.id,
          seq: 1,
          message: expect.objectContaining({
            kind: 'system',
            action: SystemAction.Joined,
            text: 'bob joined',
            author: session.user,
            seq: 1,
          }),
        },
      });
      expect(joined.seq).toBe(1);
      expect(joined.messages.at(-1)).toEqual(announcement.data.message);
      expect(server.db.prepare('SELECT kind, action, text FROM Message WHERE roomId = ?').all(room.id)).toEqual([
        { kind: 'system', action: 'joined', text: 'bob joined' },
      ]);

      // Another tab of a member: nothing to announce.
      const before = server.tableCounts();
      await join(await tab(session), room.id);
      await settle(100);
      expect(server.tableCounts()).toEqual(before);
      expect(heardByAnn).toHaveLength(1);

      await commandOk(bob, ChatCommand.RoomLeave, { roomId: room.id });
      await eventually(() => heardByAnn.length === 2, 'the leave announcement');
      expect(heardByAnn[1]).toMatchObject({
        event: ChatBroadcast.MessageCreated,
        data: { seq: 2, message: { kind: 'system', action: SystemAction.Left, text: 'bob left' } },
      });
      // Leaving a room one is not in says nothing.
      const beforeAgain = server.tableCounts();
      await commandOk(bob, ChatCommand.RoomLeave, { roomId: room.id });
      await settle(100);
      expect(server.tableCounts()).toEqual(beforeAgain);
    });

    it('lets the creator rename the room, logged as room:updated and announced; others get FORBIDDEN', async () => {
      const { ann, bob, room, heardByBob, heardByAnn } = await roomWithAnnAndBob();
      const before = server.tableCounts();
      await expectRefused(
        command(bob.socket, ChatCommand.RoomRename, { opId: randomUUID(), roomId: room.id, name: 'mine now' }),
        'FORBIDDEN',
        before,
        heardByBob,
        heardByAnn,
      );
      await expectRefused(
        command(ann.socket, ChatCommand.RoomRename, {
          opId: randomUUID(),
          roomId: room.id,
          name: 'x'.repeat(Limits.nameLength + 1),
        }),
        'VALIDATION',
        before,
        heardByBob,
      );
      await expectRefused(
        command(ann.socket, ChatCommand.RoomRename, { opId: randomUUID(), roomId: randomUUID(), name: 'nowhere' }),
        'NOT_FOUND',
        before,
        heardByBob,
      );
      await expectRefused(
        command(ann.socket, ChatCommand.RoomRename, { opId: randomUUID(), roomId: generalRoom.id, name: 'mine' }),
        'FORBIDDEN',
        before,
      );

      const { room: renamed } = await commandOk<ChatCommandResults['room:rename']>(ann.socket, ChatCommand.RoomRename, {
        opId: randomUUID(),
        roomId: room.id,
        name: '  design review  ',
      });
      expect(renamed).toMatchObject({ id: room.id, name: 'design review', seq: room.seq + 3 });
      await eventually(() => heardByBob.length === 2, 'room:updated and the announcement');
      expect(heardByBob[0]).toEqual({
        event: ChatBroadcast.RoomUpdated,
        data: {
          roomId: room.id,
          seq: 2,
          room: expect.objectContaining({ id: room.id, name: 'design review', seq: 2 }),
        },
      });
      expect((heardByBob[0].data as RoomUpdated).room.inviteCode).toBeUndefined();
      expect(heardByBob[1]).toMatchObject({
        event: ChatBroadcast.MessageCreated,
        data: {
          seq: 3,
          message: { kind: 'system', action: SystemAction.Renamed, text: 'ann renamed the room to "design review"' },
        },
      });
      expect(await listed(bob.socket, room.id)).toMatchObject({ name: 'design review' });

      // The same name again changes nothing (only the opId is recorded, as for any accepted command).
      const unchanged = server.tableCounts();
      await commandOk(ann.socket, ChatCommand.RoomRename, {
        opId: randomUUID(),
        roomId: room.id,
        name: 'design review',
      });
      await settle(100);
      expect(server.tableCounts()).toEqual({ ...unchanged, ProcessedOp: unchanged.ProcessedOp + 1 });
      expect(heardByBob).toHaveLength(2);
    });

    it('starts every database with the public room "general", whose seq 1 is the welcome', async () => {
      const { socket } = await chatClient(server.url, 'newcomer');
      expect(await listed(socket, generalRoom.id)).toMatchObject({
        id: generalRoom.id,
        name: 'general',
        visibility: 'public',
        member: false,
      });
      const resync = await commandOk<RoomResync>(socket, ChatCommand.RoomJoin, { roomId: generalRoom.id, sinceSeq: 0 });
      if (!('changes' in resync)) throw new Error('expected changes');
      const welcome = {
        id: expect.any(String),
        roomId: generalRoom.id,
        seq: 1,
        author: systemUser,
        text: 'welcome to the chat',
        kind: 'system',
        action: SystemAction.Welcome,
        createdAt: expect.any(String),
        reactions: [],
        mentions: [],
      };
      expect(resync.changes[0]).toEqual({
        seq: 1,
        event: ChatBroadcast.MessageCreated,
        data: { roomId: generalRoom.id, seq: 1, message: welcome },
      });
      const { messages } = await commandOk<ChatCommandResults['message:history']>(socket, ChatCommand.MessageHistory, {
        roomId: generalRoom.id,
        before: 2,
      });
      expect(messages).toEqual([welcome]);
      expect(messages[0]).toEqual((resync.changes[0].data as MessageChanged).message);
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

  describe('unread and read markers', () => {
    it("counts messages by others after the marker, without one's own, deleted or system messages", async () => {
      const { ann, bob, room } = await roomWithAnnAndBob();
      // A new member has read what was there when they joined.
      expect(await listed(bob.socket, room.id)).toMatchObject({ member: true, unread: 0, mentions: 0, readSeq: 1 });
      await send(ann.socket, room.id, 'one');
      await send(ann.socket, room.id, 'two, @bob');
      const three = await send(ann.socket, room.id, 'three');
      await send(bob.socket, room.id, 'mine');
      const { socket: carol } = await chatClient(server.url, 'carol');
      await join(carol, room.id);
      expect(await listed(bob.socket, room.id)).toMatchObject({ unread: 3, mentions: 1, readSeq: 1 });
      await commandOk(ann.socket, ChatCommand.MessageDelete, { opId: randomUUID(), messageId: three.id });
      expect(await listed(bob.socket, room.id)).toMatchObject({ unread: 2, mentions: 1 });
      // Not a member: nothing to count.
      const { socket: dave } = await chatClient(server.url, 'dave');
      expect(await listed(dave, room.id)).toMatchObject({ member: false, unread: 0, mentions: 0, readSeq: 0 });
      // The room's creator had not read anything since creating it.
      expect(await listed(ann.socket, room.id)).toMatchObject({ unread: 1, readSeq: 0 });
    });

    it('moves the read marker forward only, tells the room and the reader’s other tabs, and gives readers on join', async () => {
      const { ann, bob, room } = await roomWithAnnAndBob();
      const bobOtherTab = await tab(bob.session);
      const first = await send(ann.socket, room.id, 'first');
      const second = await send(ann.socket, room.id, 'second');
      const toAnn = nextEvent<ReadUpdated>(ann.socket, ChatBroadcast.ReadUpdated);
      const toOtherTab = nextEvent<ReadUpdated>(bobOtherTab, ChatBroadcast.ReadUpdated);

      const read = await commandOk<ChatCommandResults['room:read']>(bob.socket, ChatCommand.RoomRead, {
        roomId: room.id,
        seq: second.seq,
      });
      expect(read).toEqual({ roomId: room.id, readSeq: second.seq, unread: 0, mentions: 0 });
      const expected = { roomId: room.id, user: bob.session.user, readSeq: second.seq };
      expect(await toAnn).toEqual(expected);
      expect(await toOtherTab).toEqual(expected);

      // An older seq (a stale tab) never moves it back, and says nothing.
      const heardByAnn = heardBy(ann.socket);
      const before = server.tableCounts();
      const stale = await commandOk<ChatCommandResults['room:read']>(bob.socket, ChatCommand.RoomRead, {
        roomId: room.id,
        seq: first.seq,
      });
      expect(stale).toMatchObject({ readSeq: second.seq });
      await settle(100);
      expect(heardByAnn).toEqual([]);
      expect(server.tableCounts()).toEqual(before);
      expect(
        server.db
          .prepare('SELECT readSeq FROM Membership WHERE roomId = ? AND userId = ?')
          .get(room.id, bob.session.user.id),
      ).toEqual({ readSeq: second.seq });

      // Beyond the room's last seq: kept at the last seq.
      const ahead = await commandOk<ChatCommandResults['room:read']>(bob.socket, ChatCommand.RoomRead, {
        roomId: room.id,
        seq: 10_000,
      });
      expect(ahead.readSeq).toBe(second.seq);

      const joined = await join(ann.socket, room.id);
      expect(joined.readMarkers).toEqual([
        { user: ann.session.user, readSeq: 0, lastSeenAt: null },
        { user: bob.session.user, readSeq: second.seq, lastSeenAt: null },
      ]);
      expect(joined.readSeq).toBe(0);
      // "Seen by" for ann's last message: the members whose marker reached it.
      const seenBy = joined.readMarkers.filter(
        (marker) => marker.readSeq >= second.seq && marker.user.id !== ann.session.user.id,
      );
      expect(seenBy.map((marker) => marker.user.name)).toEqual(['bob']);
    });

    it('refuses room:read to non-members and for unknown rooms, writing and broadcasting nothing', async () => {
      const { ann, room, heardByAnn } = await roomWithAnnAndBob();
      const { socket: stranger } = await chatClient(server.url, 'stranger');
      const before = server.tableCounts();
      await expectRefused(
        command(stranger, ChatCommand.RoomRead, { roomId: room.id, seq: 1 }),
        'FORBIDDEN',
        before,
        heardByAnn,
      );
      await expectRefused(
        command(ann.socket, ChatCommand.RoomRead, { roomId: randomUUID(), seq: 1 }),
        'NOT_FOUND',
        before,
        heardByAnn,
      );
    });

    it('keeps unread counts and mentions across a reconnect', async () => {
      const { ann, bob, room } = await roomWithAnnAndBob();
      await send(ann.socket, room.id, 'before');
      const { seq } = await join(bob.socket, room.id);
      await commandOk(bob.socket, ChatCommand.RoomRead, { roomId: room.id, seq });
      bob.socket.disconnect();

      await send(ann.socket, room.id, 'while you were away');
      await send(ann.socket, room.id, '@bob look at this');
      const edited = await send(ann.socket, room.id, 'and @bob this');
      await commandOk(ann.socket, ChatCommand.MessageEdit, {
        opId: randomUUID(),
        messageId: edited.id,
        text: 'and this',
      });

      const bobAgain = await tab(bob.session);
      expect(await listed(bobAgain, room.id)).toMatchObject({ unread: 3, mentions: 1, readSeq: seq });
      const rejoined = await join(bobAgain, room.id);
      expect(rejoined.readSeq).toBe(seq);
      const mentioned = rejoined.messages.filter((message) =>
        message.mentions.some((user) => user.id === bob.session.user.id),
      );
      expect(mentioned.map((message) => message.text)).toEqual(['@bob look at this']);
      expect(rejoined.readMarkers.find((marker) => marker.user.id === bob.session.user.id)?.lastSeenAt).toEqual(
        expect.any(String),
      );

      await commandOk(bobAgain, ChatCommand.RoomRead, { roomId: room.id, seq: rejoined.seq });
      expect(await listed(bobAgain, room.id)).toMatchObject({ unread: 0, mentions: 0 });
    });
  });

  describe('bad payloads', () => {
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

describe('chat presence', () => {
  const graceMs = 600;
  const awayMs = 500;
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ PRESENCE_GRACE_MS: String(graceMs), PRESENCE_AWAY_MS: String(awayMs) });
  });
  afterEach(() => closeAllClients());
  afterAll(async () => {
    await server.close();
  });

  async function room(socket: ChatClient): Promise<Room> {
    return (await commandOk<ChatCommandResults['room:create']>(socket, ChatCommand.RoomCreate, { name: 'presence' }))
      .room;
  }

  const names = (event: PresenceChanged | undefined) => event?.members.map((member) => member.name);

  it('keeps a user whose only tab reloads online, and drops them once the grace has passed', async () => {
    const { socket: ann } = await chatClient(server.url, 'ann');
    const { socket: bob, session } = await chatClient(server.url, 'bob');
    const { id: roomId } = await room(ann);
    await commandOk(ann, ChatCommand.RoomJoin, { roomId });
    await commandOk(bob, ChatCommand.RoomJoin, { roomId });
    const presence = record<PresenceChanged>(ann, ChatBroadcast.Presence);

    // A reload: the tab goes, and a new one joins within the grace.
    bob.disconnect();
    await eventually(() => presence.length >= 1, 'presence after the disconnect');
    const reloaded = await connect(socketFor<ChatClient>(server.url, '/chat', session.token));
    const rejoined = await commandOk<RoomSnapshot>(reloaded, ChatCommand.RoomJoin, { roomId });
    expect(rejoined.members.map((member) => member.name)).toEqual(['ann', 'bob']);
    await settle(graceMs + 200);
    expect(presence.length).toBeGreaterThanOrEqual(2);
    for (const event of presence) expect(names(event)).toEqual(['ann', 'bob']);

    // Gone for good: still listed during the grace, then dropped.
    const closedAt = Date.now();
    reloaded.disconnect();
    await eventually(() => names(presence.at(-1))?.join() === 'ann', 'presence without bob', graceMs + 2_000);
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(graceMs - 50);

    // Last seen is kept on the user.
    const stored = server.db.prepare('SELECT lastSeenAt FROM User WHERE id = ?').get(session.user.id) as {
      lastSeenAt: string | null;
    };
    expect(stored.lastSeenAt).toEqual(expect.any(String));
    expect(Date.parse(stored.lastSeenAt ?? '')).toBeGreaterThanOrEqual(closedAt - 1_000);
  });

  it('drops a user who leaves at once, without grace', async () => {
    const { socket: ann } = await chatClient(server.url, 'ann');
    const { socket: bob } = await chatClient(server.url, 'bob');
    const { id: roomId } = await room(ann);
    await commandOk(ann, ChatCommand.RoomJoin, { roomId });
    await commandOk(bob, ChatCommand.RoomJoin, { roomId });
    const leftAt = Date.now();
    const without = nextEvent<PresenceChanged>(ann, ChatBroadcast.Presence, (event) => event.members.length === 1);
    await commandOk(bob, ChatCommand.RoomLeave, { roomId });
    expect(names(await without)).toEqual(['ann']);
    expect(Date.now() - leftAt).toBeLessThan(graceMs);
  });

  it('shows a user away after a quiet spell, and online again on activity', async () => {
    const { socket: ann } = await chatClient(server.url, 'ann');
    const { socket: bob, session } = await chatClient(server.url, 'bob');
    const { id: roomId } = await room(ann);
    await commandOk(ann, ChatCommand.RoomJoin, { roomId });
    const joined = await commandOk<RoomSnapshot>(bob, ChatCommand.RoomJoin, { roomId });
    expect(joined.members.find((member) => member.id === session.user.id)).toMatchObject({
      status: 'online',
      lastSeenAt: expect.any(String),
    });

    const bobStatus = (event: PresenceChanged) => event.members.find((member) => member.id === session.user.id)?.status;
    const away = await nextEvent<PresenceChanged>(ann, ChatBroadcast.Presence, (event) => bobStatus(event) === 'away');
    expect(away.members.map((member) => member.name)).toEqual(['ann', 'bob']);

    const back = nextEvent<PresenceChanged>(ann, ChatBroadcast.Presence, (event) => bobStatus(event) === 'online');
    bob.emit(ChatSignal.Activity, {});
    const online = await back;
    const entry = online.members.find((member) => member.id === session.user.id);
    expect(Date.parse(entry?.lastSeenAt ?? '')).toBeGreaterThan(Date.parse(away.members[1].lastSeenAt));
  });
});
