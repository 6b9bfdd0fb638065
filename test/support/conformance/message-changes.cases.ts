import { beforeAll, expect, it } from '@jest/globals';
import { ErrorCode, type User } from '@tandem/contract';
import type { FoundMessage } from '../../../apps/api/src/chat/message-changes.repository.js';
import { maxReactionEmojiPerMessage as emojiLimit } from '../../../apps/api/src/chat/reaction-limit.js';
import { SpaceKinds } from '../../../apps/api/src/space-kinds.js';
import type { DataLayerDatabase, DataLayerNode } from '../data-layer.js';
import { publicSpace, twoUsers } from './two-users.js';

/**
 * Changes to a message that read it before another change to it committed, as a command on one
 * node does when another node's change commits while it waits for the room's seq: each write
 * checks again what its read found.
 */
export function messageChangesCases(open: () => Promise<DataLayerDatabase>): void {
  let node: DataLayerNode;
  let ann: User;
  let bob: User;
  let roomId: string;
  twoUsers(open, (world) => ({ node, ann, bob } = world));

  beforeAll(async () => {
    roomId = (await publicSpace(node, SpaceKinds.room, 'races', ann)).id;
  });

  const send = (text: string) =>
    node.units.write((context) => node.messages.appendMessage(context, { roomId, author: ann, text }));
  const find = (messageId: string, user: User) =>
    node.units.write(async (context) => (await node.messageChanges.findMessageForMember(messageId, user.id, context))!);
  const toggle = (found: FoundMessage, emoji: string, add: boolean, user = bob) =>
    node.units.write((context) => node.messageChanges.toggleReaction(context, found, { userId: user.id, emoji, add }));
  const edit = (found: FoundMessage, text: string, mentions: User[] = []) =>
    node.units.write((context) => node.messageChanges.editMessage(context, found, text, mentions));
  const asRead = async (messageId: string) =>
    (await node.messages.messagesWithIds([messageId], node.database.reader))[0];
  const remove = (found: FoundMessage) =>
    node.units.write((context) => node.messageChanges.deleteMessage(context, found));
  it('refuses a reaction to a message deleted after the toggle read it, and stores none', async () => {
    const message = await send('deleted under a toggle');
    const read = await find(message.id, bob);
    await remove(await find(message.id, ann));
    await expect(toggle(read, '👍', true)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    const after = await find(message.id, bob);
    expect(after).toMatchObject({ record: { deletedAt: expect.anything() }, carries: { reactions: false } });
  });

  it('refuses the removal of a reaction deleted with its message after the toggle read it', async () => {
    const message = await send('deleted under a removal');
    await toggle(await find(message.id, bob), '👍', true);
    const read = await find(message.id, bob);
    await remove(await find(message.id, ann));
    await expect(toggle(read, '👍', false)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    expect((await find(message.id, bob)).carries.reactions).toBe(false);
  });

  it('deletes the reactions a message got after its delete read it', async () => {
    const message = await send('reacted to under a delete');
    const read = await find(message.id, ann);
    expect(read.carries.reactions).toBe(false);
    await toggle(await find(message.id, bob), '👍', true);
    await remove(read);
    expect((await find(message.id, bob)).carries.reactions).toBe(false);
  });

  it('answers a reaction with the text and mentions of an edit committed after the toggle read the message', async () => {
    const message = await send('before the edit');
    const read = await find(message.id, bob);
    await edit(await find(message.id, ann), 'after the edit @bob', [bob]);
    const reacted = await toggle(read, '👍', true);
    expect(reacted).toMatchObject({ text: 'after the edit @bob', mentions: [bob], editedAt: expect.any(String) });
    expect(reacted).toEqual(await asRead(message.id));
  });

  it('answers an edit with the reactions committed after the edit read the message', async () => {
    const message = await send('reacted to under an edit');
    const read = await find(message.id, ann);
    await toggle(await find(message.id, bob), '👍', true);
    const edited = await edit(read, 'edited under a reaction');
    expect(edited.reactions).toEqual([{ emoji: '👍', count: 1, userIds: [bob.id] }]);
    expect(edited).toEqual(await asRead(message.id));
  });

  it('refuses an edit of a message deleted after the edit read it, and keeps it empty', async () => {
    const message = await send('deleted under an edit');
    const read = await find(message.id, ann);
    await remove(await find(message.id, ann));
    await expect(edit(read, 'written after the delete')).rejects.toMatchObject({ code: ErrorCode.NotFound });
    expect(await asRead(message.id)).toMatchObject({ text: '', deletedAt: expect.any(String) });
  });

  it('refuses a new emoji beyond the limit reached after the toggle read the message', async () => {
    const message = await send('at the limit');
    const emoji = Array.from({ length: emojiLimit + 1 }, (_, i) => String.fromCodePoint(0x1f600 + i));
    for (const each of emoji.slice(0, emojiLimit - 1)) await toggle(await find(message.id, bob), each, true);
    const read = await find(message.id, ann);
    await toggle(await find(message.id, bob), emoji[emojiLimit - 1], true);
    await expect(toggle(read, emoji[emojiLimit], true, ann)).rejects.toMatchObject({
      code: ErrorCode.Conflict,
    });
    // An emoji the message carries is no new one.
    expect((await toggle(read, emoji[0], true, ann)).reactions).toHaveLength(emojiLimit);
  });
}
