import { beforeAll, expect, it } from '@jest/globals';
import { ErrorCode, type User } from '@tandem/contract';
import type { FoundMessage } from '../../../apps/api/src/chat/message-changes.repository.js';
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
  const toggle = (found: FoundMessage, emoji: string, add: boolean) =>
    node.units.write((context) => node.messageChanges.toggleReaction(context, found, { userId: bob.id, emoji, add }));
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
}
