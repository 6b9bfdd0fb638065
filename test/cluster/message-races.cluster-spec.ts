import { randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { ChatBroadcast, ChatCommand, ErrorCode, Namespace } from '@tandem/contract';
import { maxReactionEmojiPerMessage as limit } from '../../apps/api/src/chat/reaction-limit.js';
import type { Ack, ChatCommandResults, Message, MessageChanged } from '@tandem/contract';
import { command, commandOk, connect, eventually, record, socketFor, type ChatClient } from '../support/clients.js';
import { describeWithServices } from '../support/services.js';
import { chatOn, roomOn, serverPair } from '../support/server-pair.js';

const describeWhenServicesRun = await describeWithServices('the cluster suite');

/**
 * Commands on one message from two nodes at once. Each command reads its message, then takes the
 * room's seq: the test holds the room's seq row until both nodes wait for it, so that every
 * command has read its message before any of them writes, whichever node then goes first.
 */
describeWhenServicesRun('changes to the same messages from two nodes at once', () => {
  const cluster = serverPair();

  /** Sends `commands` while the room's seq row is locked, and lets it go once both nodes wait for it. */
  async function withSeqHeld<T>(roomId: string, commands: () => Promise<T>): Promise<T> {
    const { sql } = cluster;
    await sql.query('BEGIN');
    await sql.query('SELECT seq FROM "ChangeStream" WHERE key = $1 FOR UPDATE', [`chat:${roomId}`]);
    const sent = commands();
    const waiting = async () => {
      // Activity is read once per transaction unless asked again.
      await sql.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await sql.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return rows[0].count;
    };
    while ((await waiting()) < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    await sql.query('COMMIT');
    return sent;
  }

  /**
   * The messages whose last broadcast (the highest seq heard) differs from the message as
   * `message:history` reads it now; `check` runs on each message read.
   */
  async function staleBroadcasts(
    roomId: string,
    reader: ChatClient,
    messages: string[],
    heard: MessageChanged[],
    check: (now: Message) => void,
  ): Promise<string[]> {
    const { messages: read } = await commandOk<ChatCommandResults['message:history']>(
      reader,
      ChatCommand.MessageHistory,
      { roomId },
    );
    return messages.filter((messageId) => {
      const last = heard
        .filter((change) => change.message.id === messageId)
        .reduce((latest, change) => (change.seq > latest.seq ? change : latest));
      const now = read.find((message) => message.id === messageId)!;
      check(now);
      return JSON.stringify(last.message) !== JSON.stringify(now);
    });
  }

  /** An author with a socket on each node, a reactor on each node, all in one new room, and 30 messages. */
  async function scene() {
    const roomId = await roomOn(cluster.nodeA);
    const authorOnA = await chatOn(cluster.nodeA, 'author');
    const authorOnB = await connect(socketFor<ChatClient>(cluster.nodeB.url, Namespace.Chat, authorOnA.session.token));
    const reactorOnA = await chatOn(cluster.nodeA, 'a-reactor');
    const reactorOnB = await chatOn(cluster.nodeB, 'b-reactor');
    for (const socket of [authorOnA.socket, authorOnB, reactorOnA.socket, reactorOnB.socket]) {
      await commandOk(socket, ChatCommand.RoomJoin, { roomId });
    }
    const messages: string[] = [];
    for (let i = 0; i < 30; i++) {
      const sent = await commandOk<ChatCommandResults['message:send']>(authorOnA.socket, ChatCommand.MessageSend, {
        opId: randomUUID(),
        roomId,
        text: `message ${i}`,
      });
      messages.push(sent.message.id);
    }
    return {
      roomId,
      messages,
      authors: [authorOnA.socket, authorOnB],
      reactors: [reactorOnA.socket, reactorOnB.socket],
    };
  }

  it('leaves no reaction on a message deleted on one node while another node reacted to it', async () => {
    const { roomId, messages, authors, reactors } = await scene();
    const updated = record<MessageChanged>(reactors[0], ChatBroadcast.MessageUpdated);
    const deleted = record<MessageChanged>(reactors[0], ChatBroadcast.MessageDeleted);
    // Every third message already carries the reaction: its toggle removes it.
    const removing = messages.filter((_, i) => i % 3 === 0);
    for (const messageId of removing) {
      const reactor = reactors[(messages.indexOf(messageId) + 1) % 2];
      await commandOk(reactor, ChatCommand.ReactionToggle, { opId: randomUUID(), messageId, emoji: '👍' });
    }
    // Each message deleted on one node and reacted to on the other, both nodes doing both.
    const { deletes, toggles } = await withSeqHeld(roomId, async () => {
      const sent = messages.map((messageId, i) => ({
        delete: command(authors[i % 2], ChatCommand.MessageDelete, { opId: randomUUID(), messageId }),
        toggle: command<ChatCommandResults['reaction:toggle']>(reactors[(i + 1) % 2], ChatCommand.ReactionToggle, {
          opId: randomUUID(),
          messageId,
          emoji: '👍',
        }),
      }));
      return { deletes: sent.map((each) => each.delete), toggles: sent.map((each) => each.toggle) };
    });
    expect((await Promise.all(deletes)).filter((ack) => !ack.ok)).toEqual([]);
    // A toggle is refused as a toggle on a deleted message is, or went first.
    const refusals = (await Promise.all(toggles)).flatMap((ack: Ack<unknown>) => (ack.ok ? [] : [ack.error.code]));
    expect(refusals.filter((code) => code !== ErrorCode.NotFound)).toEqual([]);
    const kept = await cluster.sql.query<{ messageId: string }>(
      'SELECT "messageId" FROM "Reaction" WHERE "messageId" = ANY($1)',
      [messages],
    );
    expect(kept.rows).toEqual([]);
    await eventually(() => deleted.length === messages.length, 'every deletion heard');
    const toggled = removing.length + messages.length - refusals.length;
    await eventually(() => updated.length === toggled, 'every reaction heard');
    const heard = [...updated, ...deleted];
    // Each message's last broadcast (its highest seq): its deletion, without reactions.
    const lastHeard = messages.map((messageId) =>
      heard
        .filter((change) => change.message.id === messageId)
        .reduce((last, change) => (change.seq > last.seq ? change : last)),
    );
    expect(lastHeard.filter((change) => !change.message.deletedAt || change.message.reactions.length > 0)).toEqual([]);
    const { messages: read } = await commandOk<ChatCommandResults['message:history']>(
      reactors[1],
      ChatCommand.MessageHistory,
      { roomId },
    );
    const deletedRead = read.filter((message) => messages.includes(message.id));
    expect(deletedRead).toHaveLength(messages.length);
    expect(deletedRead.filter((message) => !message.deletedAt || message.reactions.length > 0)).toEqual([]);
  });

  it("ends each message's last broadcast with the text and reactions an edit and a reaction committed at once", async () => {
    const { roomId, messages, authors, reactors } = await scene();
    const updated = record<MessageChanged>(reactors[0], ChatBroadcast.MessageUpdated);
    // Each message edited on one node and reacted to on the other, both nodes doing both.
    const acks = await withSeqHeld(roomId, async () =>
      messages.flatMap((messageId, i) => [
        command(authors[i % 2], ChatCommand.MessageEdit, { opId: randomUUID(), messageId, text: `edited ${i}` }),
        command(reactors[(i + 1) % 2], ChatCommand.ReactionToggle, { opId: randomUUID(), messageId, emoji: '👍' }),
      ]),
    );
    expect((await Promise.all(acks)).filter((ack) => !ack.ok)).toEqual([]);
    await eventually(() => updated.length === 2 * messages.length, 'every edit and reaction heard');
    const stale = await staleBroadcasts(roomId, reactors[1], messages, updated, (now) =>
      expect(now).toMatchObject({ text: expect.stringMatching(/^edited/), reactions: [{ emoji: '👍', count: 1 }] }),
    );
    expect(stale).toEqual([]);
  });

  it("ends each parent's last broadcast with the reply another node committed beside its edit or reaction", async () => {
    const { roomId, messages, authors, reactors } = await scene();
    const updated = record<MessageChanged>(reactors[0], ChatBroadcast.MessageUpdated);
    // Each message replied to on one node and edited (even) or reacted to (odd) on the other.
    const acks = await withSeqHeld(roomId, async () =>
      messages.flatMap((messageId, i) => {
        const node = i % 2;
        const change =
          i % 2 === 0
            ? command(authors[node], ChatCommand.MessageEdit, { opId: randomUUID(), messageId, text: `edited ${i}` })
            : command(reactors[node], ChatCommand.ReactionToggle, { opId: randomUUID(), messageId, emoji: '👍' });
        const reply = command(reactors[1 - node], ChatCommand.MessageSend, {
          opId: randomUUID(),
          roomId,
          text: `reply ${i}`,
          replyTo: messageId,
        });
        return [change, reply];
      }),
    );
    expect((await Promise.all(acks)).filter((ack) => !ack.ok)).toEqual([]);
    // A reply announces its parent's new summary as `message:updated`: two per message.
    await eventually(() => updated.length === 2 * messages.length, 'every change and summary heard');
    const stale = await staleBroadcasts(roomId, reactors[1], messages, updated, (now) =>
      expect(now.thread).toMatchObject({ replyCount: 1 }),
    );
    expect(stale).toEqual([]);
  });

  it('takes one new emoji of two that both nodes add at once to a message one short of its limit', async () => {
    const { roomId, messages, reactors } = await scene();
    const emoji = Array.from({ length: limit + 1 }, (_, i) => String.fromCodePoint(0x1f600 + i));
    const full = messages.slice(0, 2);
    for (const messageId of full) {
      for (const each of emoji.slice(0, limit - 1)) {
        await commandOk(reactors[0], ChatCommand.ReactionToggle, { opId: randomUUID(), messageId, emoji: each });
      }
    }
    const acks = await withSeqHeld(roomId, async () =>
      full.flatMap((messageId) =>
        [0, 1].map((node) =>
          command(reactors[node], ChatCommand.ReactionToggle, {
            opId: randomUUID(),
            messageId,
            emoji: emoji[limit - 1 + node],
          }),
        ),
      ),
    );
    const outcomes = (await Promise.all(acks)).map((ack) => (ack.ok ? 'ok' : ack.error.code)).sort();
    expect(outcomes).toEqual([ErrorCode.Conflict, ErrorCode.Conflict, 'ok', 'ok']);
    const used = await cluster.sql.query<{ count: number }>(
      'SELECT count(DISTINCT emoji)::int AS count FROM "Reaction" WHERE "messageId" = ANY($1) GROUP BY "messageId"',
      [full],
    );
    expect(used.rows).toEqual([{ count: limit }, { count: limit }]);
  });
});
