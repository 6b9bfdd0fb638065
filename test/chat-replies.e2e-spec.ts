import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  ChatBroadcast,
  ChatCommand,
  type ChatCommandResults,
  type Message,
  type MessageChanged,
  type RoomResync,
} from '@tandem/contract';
import { chatScenes, createRoom, join, listed, send } from './support/chat.js';
import { chatClient, command, commandOk, eventually, type ChatClient } from './support/clients.js';
import { serverForSuite } from './support/server.js';

function reply(socket: ChatClient, roomId: string, replyTo: string, text: string): Promise<Message> {
  return commandOk<ChatCommandResults['message:send']>(socket, ChatCommand.MessageSend, {
    opId: randomUUID(),
    roomId,
    text,
    replyTo,
  }).then(({ message }) => message);
}

function threadPage(socket: ChatClient, messageId: string, extra: Record<string, unknown> = {}) {
  return commandOk<ChatCommandResults['thread:history']>(socket, ChatCommand.ThreadHistory, { messageId, ...extra });
}

/** Whether a broadcast about that message was heard. */
function heard(broadcasts: { data: unknown }[], messageId: string): boolean {
  return broadcasts.some(({ data }) => (data as MessageChanged).message?.id === messageId);
}

describe('chat replies and threads', () => {
  const server = serverForSuite();
  const { roomWithAnnAndBob, expectRefused } = chatScenes(() => server);

  it('counts replies and names the latest repliers, live for the room, outside the room’s log', async () => {
    const { ann, bob, room, heardByAnn } = await roomWithAnnAndBob();
    const carl = await chatClient(server.url, 'carl');
    await join(carl.socket, room.id);
    const parent = await send(ann.socket, room.id, 'where do we eat?');
    await eventually(() => heard(heardByAnn, parent.id), 'the parent');
    heardByAnn.length = 0;

    const first = await reply(bob.socket, room.id, parent.id, 'pizza');
    expect(first).toMatchObject({ replyTo: parent.id, roomId: room.id, seq: parent.seq + 1, text: 'pizza' });
    await eventually(() => heardByAnn.length === 2, 'the reply and the parent’s new count');
    expect(heardByAnn.map(({ event }) => event)).toEqual([ChatBroadcast.MessageCreated, ChatBroadcast.MessageUpdated]);
    const updated = heardByAnn[1].data as MessageChanged;
    expect(updated.seq).toBe(parent.seq + 2);
    expect(updated.message).toMatchObject({
      id: parent.id,
      thread: { replyCount: 1, lastReplyAt: first.createdAt, latestRepliers: [bob.session.user] },
    });

    await reply(carl.socket, room.id, parent.id, 'sushi');
    await reply(ann.socket, room.id, parent.id, 'tacos');
    // A reply to a reply goes into the same thread: threads are one level deep.
    const nested = await reply(bob.socket, room.id, first.id, 'pizza again');
    expect(nested.replyTo).toBe(parent.id);
    await eventually(() => heardByAnn.length === 8, 'three more replies and counts');
    const last = heardByAnn.at(-1)!.data as MessageChanged;
    expect(last.message.thread).toEqual({
      replyCount: 4,
      lastReplyAt: nested.createdAt,
      latestRepliers: [bob.session.user, ann.session.user, carl.session.user],
    });

    // The room's log and its join show the parent with its summary, never the replies.
    const history = await commandOk<ChatCommandResults['message:history']>(ann.socket, ChatCommand.MessageHistory, {
      roomId: room.id,
    });
    expect(history.messages.map((message) => message.id)).not.toContain(first.id);
    expect(history.messages.find((message) => message.id === parent.id)?.thread?.replyCount).toBe(4);
    const dana = await chatClient(server.url, 'dana');
    const snapshot = await join(dana.socket, room.id);
    expect(snapshot.messages.some((message) => message.replyTo !== undefined)).toBe(false);
    expect(snapshot.messages.find((message) => message.id === parent.id)?.thread?.replyCount).toBe(4);
    // Replies count in their thread, not in the room's unread.
    await commandOk(ann.socket, ChatCommand.RoomRead, { roomId: room.id, seq: parent.seq });
    expect(await listed(ann.socket, room.id)).toMatchObject({ unread: 0 });
  });

  it('a deleted reply leaves the count and the latest repliers, announced as the parent’s update', async () => {
    const { ann, bob, room, heardByAnn } = await roomWithAnnAndBob();
    const parent = await send(ann.socket, room.id, 'vote');
    await reply(ann.socket, room.id, parent.id, 'yes');
    const bobs = await reply(bob.socket, room.id, parent.id, 'no');
    const deleted = await commandOk<ChatCommandResults['message:delete']>(bob.socket, ChatCommand.MessageDelete, {
      opId: randomUUID(),
      messageId: bobs.id,
    });
    expect(deleted.message).toMatchObject({ replyTo: parent.id, text: '' });
    await eventually(() => heardByAnn.length === 7, 'two replies, their counts, the delete and the recount');
    expect(heardByAnn.slice(-2).map(({ event }) => event)).toEqual([
      ChatBroadcast.MessageDeleted,
      ChatBroadcast.MessageUpdated,
    ]);
    const recount = heardByAnn.at(-1)!.data as MessageChanged;
    expect(recount.message.thread).toEqual({
      replyCount: 1,
      lastReplyAt: expect.any(String),
      latestRepliers: [ann.session.user],
    });
    const page = await threadPage(ann.socket, parent.id);
    expect(page.parent.thread?.replyCount).toBe(1);
    expect(page.replies.map((message) => [message.text, message.deletedAt !== undefined])).toEqual([
      ['yes', false],
      ['', true],
    ]);
    // The last reply gone: no summary at all.
    const [annsReply] = page.replies;
    await commandOk(ann.socket, ChatCommand.MessageDelete, { opId: randomUUID(), messageId: annsReply.id });
    expect((await threadPage(ann.socket, parent.id)).parent.thread).toBeUndefined();
  });

  it('refuses a reply to a deleted, unknown or other room’s message with NOT_FOUND, writing nothing', async () => {
    const { ann, room, heardByAnn, heardByBob } = await roomWithAnnAndBob();
    const other = await createRoom(ann.socket);
    await join(ann.socket, other.id);
    const elsewhere = await send(ann.socket, other.id, 'in the other room');
    const gone = await send(ann.socket, room.id, 'soon deleted');
    await commandOk(ann.socket, ChatCommand.MessageDelete, { opId: randomUUID(), messageId: gone.id });
    for (const heardBy of [heardByAnn, heardByBob]) {
      await eventually(() => heardBy.some(({ event }) => event === ChatBroadcast.MessageDeleted), 'the delete');
    }
    heardByAnn.length = 0;
    heardByBob.length = 0;
    const before = server.tableCounts();
    for (const replyTo of [gone.id, randomUUID(), elsewhere.id]) {
      await expectRefused(
        command(ann.socket, ChatCommand.MessageSend, { opId: randomUUID(), roomId: room.id, text: 'hi', replyTo }),
        'NOT_FOUND',
        before,
        heardByAnn,
        heardByBob,
      );
    }
  });

  it('answers bad replies and thread pages with VALIDATION, writing nothing', async () => {
    const { ann, room, heardByAnn } = await roomWithAnnAndBob();
    const parent = await send(ann.socket, room.id, 'parent');
    await eventually(() => heardByAnn.length === 1, 'the parent');
    heardByAnn.length = 0;
    const before = server.tableCounts();
    const sends = [{ replyTo: 'not-an-id' }, { replyTo: 42 }, { replyTo: null }];
    for (const bad of sends) {
      await expectRefused(
        command(ann.socket, ChatCommand.MessageSend, { opId: randomUUID(), roomId: room.id, text: 'x', ...bad }),
        'VALIDATION',
        before,
        heardByAnn,
      );
    }
    const pages = [
      {},
      { messageId: 'nope' },
      { messageId: parent.id, limit: 0 },
      { messageId: parent.id, limit: 101 },
      { messageId: parent.id, before: -1 },
      { messageId: parent.id, before: 1.5 },
      { messageId: parent.id, cursor: 'x' },
    ];
    for (const bad of pages) {
      await expectRefused(command(ann.socket, ChatCommand.ThreadHistory, bad), 'VALIDATION', before, heardByAnn);
    }
  });

  it('pages a thread newest page first, without overlap, and only for those who may read the room', async () => {
    const { ann, bob, room } = await roomWithAnnAndBob('private');
    const parent = await send(ann.socket, room.id, 'thread of seven');
    const replies: Message[] = [];
    for (let i = 1; i <= 7; i += 1)
      replies.push(await reply(i % 2 ? bob.socket : ann.socket, room.id, parent.id, `r${i}`));

    const pages: string[][] = [];
    let before: number | undefined;
    for (;;) {
      const page = await threadPage(bob.socket, parent.id, { limit: 3, ...(before ? { before } : {}) });
      expect(page.roomId).toBe(room.id);
      expect(page.parent).toMatchObject({ id: parent.id, thread: { replyCount: 7 } });
      expect(page.seq).toBeGreaterThanOrEqual(replies.at(-1)!.seq + 1);
      pages.push(page.replies.map((message) => message.text));
      if (page.nextCursor === null) break;
      before = page.nextCursor;
    }
    expect(pages).toEqual([['r5', 'r6', 'r7'], ['r2', 'r3', 'r4'], ['r1']]);

    const carl = await chatClient(server.url, 'carl');
    expect(await command(carl.socket, ChatCommand.ThreadHistory, { messageId: parent.id })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    for (const messageId of [randomUUID(), replies[0].id]) {
      expect(await command(ann.socket, ChatCommand.ThreadHistory, { messageId })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
    }
  });

  it('a rejoin with sinceSeq replays the missed replies and the parent’s new counts', async () => {
    const { ann, bob, room } = await roomWithAnnAndBob();
    const parent = await send(ann.socket, room.id, 'resync me');
    const bobSeq = parent.seq;
    bob.socket.disconnect();
    await reply(ann.socket, room.id, parent.id, 'one');
    const second = await reply(ann.socket, room.id, parent.id, 'two');

    const bobAgain = await chatClient(server.url, 'bob2');
    await join(bobAgain.socket, room.id);
    const resync = await commandOk<RoomResync>(bobAgain.socket, ChatCommand.RoomJoin, {
      roomId: room.id,
      sinceSeq: bobSeq,
    });
    if (!('changes' in resync)) throw new Error('expected the missed changes, not a snapshot');
    const replayed = resync.changes.filter((change) => change.seq > bobSeq && change.seq <= second.seq + 1);
    expect(replayed.map((change) => [change.event, change.seq])).toEqual([
      [ChatBroadcast.MessageCreated, parent.seq + 1],
      [ChatBroadcast.MessageUpdated, parent.seq + 2],
      [ChatBroadcast.MessageCreated, parent.seq + 3],
      [ChatBroadcast.MessageUpdated, parent.seq + 4],
    ]);
    const lastCount = replayed.at(-1)!.data as MessageChanged;
    expect(lastCount.message).toMatchObject({ id: parent.id, thread: { replyCount: 2 } });
    expect((replayed[2].data as MessageChanged).message).toMatchObject({ id: second.id, replyTo: parent.id });
  });
});
