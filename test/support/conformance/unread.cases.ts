import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { countsAsUnread, SystemAction, type Message, type User } from '@tandem/contract';
import { SpaceKinds } from '../../../apps/api/src/space-kinds.js';
import type { SpaceRecord } from '../../../apps/api/src/spaces/spaces.repository.js';
import type { DataLayerDatabase, DataLayerNode } from '../data-layer.js';

/**
 * Unread counts against the contract's rule (`countsAsUnread`) at every marker of a history that
 * mixes every kind of message: others' and one's own, system messages, replies, deleted ones,
 * mentions, changes that are not messages, and messages written together in one transaction.
 */
export function unreadCases(open: () => Promise<DataLayerDatabase>): void {
  let database: DataLayerDatabase;
  let node: DataLayerNode;
  /** Another node on the same database: another server of the cluster. */
  let other: DataLayerNode;
  let people: User[];
  let room: SpaceRecord;
  const history: Message[] = [];

  beforeAll(async () => {
    database = await open();
    node = await database.node();
    other = await database.node();
    people = [await node.users.create('ann'), await node.users.create('bob'), await node.users.create('cy')];
    const [ann, bob, cy] = people;
    room = await node.units.write((context) =>
      node.spaces.create(SpaceKinds.room, context, {
        name: 'counted',
        visibility: 'public',
        inviteCode: null,
        ownerId: ann.id,
      }),
    );
    await node.units.write(async (context) => {
      for (const member of [bob, cy]) await node.spaces.addMember(SpaceKinds.room, context, room.id, member.id, 0);
    });
    // Fixed: the kind of each message follows from its index.
    for (let index = 0; index < 60; index += 4) {
      const written = await Promise.all(
        [0, 1, 2, 3].map((step) =>
          node.units.write(async (context) => {
            const at = index + step;
            const parent = history.findLast((message) => message.kind === 'user' && !message.replyTo);
            if (at % 9 === 4) await node.chat.appendRoomUpdated(context, room);
            return node.messages.appendMessage(context, {
              roomId: room.id,
              author: people[at % 3],
              text: `message ${at}`,
              mentions: at % 4 === 1 ? [bob] : at % 4 === 2 ? [ann, bob] : [],
              ...(at % 7 === 3 ? { system: SystemAction.Joined } : {}),
              ...(at % 5 === 2 && parent ? { replyTo: parent.id } : {}),
            });
          }),
        ),
      );
      // Frozen as encoded once: copies, so that deleting can be noted on them.
      history.push(...written.map((message) => ({ ...message })));
    }
    for (const message of history.filter((_, at) => at % 6 === 1 || at % 11 === 5)) {
      await node.units.write(async (context) =>
        node.messageChanges.deleteMessage(
          context,
          (await node.messageChanges.findMessageForMember(message.id, message.author.id, context))!,
        ),
      );
      Object.assign(message, { deletedAt: '2026-01-01T00:00:00.000Z', mentions: [] });
    }
  });
  afterAll(() => database.drop());

  it('counts what the contract counts as unread, and its mentions, at every marker', async () => {
    const last = await node.spaces.currentSeq(SpaceKinds.room, room.id);
    expect(last).toBeGreaterThan(history.length);
    for (const reader of people) {
      for (let marker = 0; marker <= last; marker++) {
        if (marker > 0)
          await node.units.write((context) => node.chat.advanceReadSeq(context, room.id, reader.id, marker));
        const unread = history.filter((message) => countsAsUnread(message, reader.id, marker));
        const expected = {
          readSeq: marker,
          unread: unread.length,
          mentions: unread.filter((message) => message.mentions.some((user) => user.id === reader.id)).length,
        };
        expect({ marker, ...(await node.chat.unreadIn(reader.id, room.id)) }).toEqual({ marker, ...expected });
        expect((await node.unread.counts(reader.id)).get(room.id)).toEqual(expected);
      }
    }
  });

  /** A room of ann's with bob in it, and what a node writes in it. */
  async function roomOfTwo(name: string) {
    const [ann, bob] = people;
    const space = await node.units.write((context) =>
      node.spaces.create(SpaceKinds.room, context, { name, visibility: 'public', inviteCode: null, ownerId: ann.id }),
    );
    await node.units.write((context) => node.spaces.addMember(SpaceKinds.room, context, space.id, bob.id, 0));
    const written: Message[] = [];
    const send = (on: DataLayerNode, author: User, text: string) =>
      on.units.write(async (context) => {
        const message = await on.messages.appendMessage(context, { roomId: space.id, author, text });
        written.push(message);
        return message;
      });
    const moveMarker = (on: DataLayerNode, reader: User, seq: number) =>
      on.units.write((context) => on.chat.advanceReadSeq(context, space.id, reader.id, seq));
    const expectUnread = async (reader: User) => {
      const { readSeq } = (await node.chat.unreadIn(reader.id, space.id))!;
      const unread = written.filter((message) => countsAsUnread(message, reader.id, readSeq)).length;
      expect(await node.chat.unreadIn(reader.id, space.id)).toEqual({ readSeq, unread, mentions: 0 });
      expect((await other.unread.counts(reader.id)).get(space.id)).toEqual({ readSeq, unread, mentions: 0 });
      return unread;
    };
    return { space, send, moveMarker, expectUnread };
  }

  it("leaves out one's own messages after a marker put behind the room's last seq", async () => {
    const [ann, bob] = people;
    const { send, moveMarker, expectUnread } = await roomOfTwo('behind');
    await send(node, bob, 'mine before');
    const marker = await send(node, ann, 'read');
    for (const [author, text] of [
      [bob, 'mine'],
      [ann, 'unread'],
      [bob, 'mine too'],
      [ann, 'unread too'],
    ] as const)
      await send(node, author, text);
    await moveMarker(node, bob, marker.seq);
    expect(await expectUnread(bob)).toBe(2);
    await send(other, bob, 'mine, from the other node');
    expect(await expectUnread(bob)).toBe(2);
    expect(await expectUnread(ann)).toBe(4);
  });

  it("leaves out one's own messages written from two places while the marker moves", async () => {
    const [ann, bob] = people;
    const { space, send, moveMarker, expectUnread } = await roomOfTwo('two places');
    const marker = await send(node, ann, 'read');
    await send(node, bob, 'mine');
    // Fixed rounds: each writes on both nodes at once, the marker moved to the last seq before
    // the round (as room:read puts it), in the same transaction as some of them on each node.
    for (let round = 0; round < 4; round++) {
      const head = round === 0 ? marker.seq : await node.spaces.currentSeq(SpaceKinds.room, space.id);
      await Promise.all([
        send(node, bob, `mine ${round}`),
        send(other, bob, `mine elsewhere ${round}`),
        send(round % 2 ? node : other, ann, `unread ${round}`),
        moveMarker(round % 2 ? other : node, bob, head),
      ]);
      expect(await expectUnread(bob)).toBeGreaterThan(0);
    }
  });

  it('counts nothing for someone who is not a member', async () => {
    const stranger = await node.users.create('dee');
    expect(await node.chat.unreadIn(stranger.id, room.id)).toBeUndefined();
    expect((await node.unread.counts(stranger.id)).size).toBe(0);
  });
}
