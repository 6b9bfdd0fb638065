import { describe, expect, it } from '@jest/globals';
import type { User } from '@tandem/contract';
import { SpaceKinds } from '../../../apps/api/src/space-kinds.js';
import type { DataLayerDatabase, DataLayerNode } from '../data-layer.js';
import { twoUsers } from './two-users.js';

/** Every query of the spaces' repository, for rooms, boards and lists, on every database. */
export function spacesCases(open: () => Promise<DataLayerDatabase>): void {
  let node: DataLayerNode;
  let ann: User;
  let bob: User;
  twoUsers(open, (world) => ({ node, ann, bob } = world));

  describe.each(Object.entries(SpaceKinds))('%s', (_, kind) => {
    it('creates a space with its owner as a member, finds it, and renames it', async () => {
      const space = await node.units.write((context) =>
        node.spaces.create(kind, context, { name: 'den', visibility: 'private', inviteCode: 'code', ownerId: ann.id }),
      );
      expect(await node.spaces.find(kind, space.id)).toEqual(space);
      expect(await node.spaces.find(kind, 'missing')).toBeNull();
      expect(await node.spaces.isMember(kind, space.id, ann.id)).toBe(true);
      const reader = node.database.reader;
      // The member's read marker where the kind keeps them (rooms: 0 for an owner who wrote nothing).
      const readSeq = kind.readMarkers ? 0 : null;
      expect(await node.spaces.findForMember(kind, space.id, ann.id, reader)).toEqual({
        record: space,
        member: true,
        readSeq,
      });
      expect(await node.spaces.findForMember(kind, space.id, bob.id, reader)).toEqual({
        record: space,
        member: false,
        readSeq: null,
      });
      expect(await node.spaces.findForMember(kind, 'missing', ann.id, reader)).toBeNull();
      expect(await node.spaces.memberIds(kind, space.id)).toEqual([ann.id]);
      await node.units.write(async (context) => {
        await node.spaces.rename(kind, context, space, 'lair');
        await node.spaces.setInviteCode(kind, context, space, 'other');
      });
      expect(await node.spaces.find(kind, space.id)).toMatchObject({ name: 'lair', inviteCode: 'other' });
    });

    it('adds a member once, removes them, and shows private spaces to members only', async () => {
      const [open, closed] = await node.units.write(async (context) => [
        await node.spaces.create(kind, context, {
          name: 'open',
          visibility: 'public',
          inviteCode: null,
          ownerId: ann.id,
        }),
        await node.spaces.create(kind, context, {
          name: 'closed',
          visibility: 'private',
          inviteCode: 'c',
          ownerId: ann.id,
        }),
      ]);
      const ids = async (userId: string) => (await node.spaces.visibleTo(kind, userId)).map((space) => space.id);
      expect(await ids(bob.id)).toContain(open.id);
      expect(await ids(bob.id)).not.toContain(closed.id);
      await node.units.write(async (context) => {
        await node.spaces.addMember(kind, context, closed.id, bob.id, 0);
        await node.spaces.addMember(kind, context, closed.id, bob.id, 0);
      });
      expect((await node.spaces.memberIds(kind, closed.id)).sort()).toEqual([ann.id, bob.id].sort());
      const seen = (await node.spaces.visibleTo(kind, bob.id)).find((space) => space.id === closed.id);
      expect(seen).toMatchObject({ name: 'closed', member: true, seq: 0, inviteCode: 'c' });
      expect(await node.units.write((context) => node.spaces.removeMember(kind, context, closed.id, bob.id))).toBe(
        true,
      );
      expect(await node.units.write((context) => node.spaces.removeMember(kind, context, closed.id, bob.id))).toBe(
        false,
      );
      expect(await ids(bob.id)).not.toContain(closed.id);
      expect(await node.spaces.currentSeq(kind, closed.id)).toBe(0);
      expect(await node.spaces.changesSince(kind, closed.id, 0, 10)).toEqual([]);
    });
  });

  it('keeps a deleted list, marked, out of every directory', async () => {
    const kind = SpaceKinds.list;
    const list = await node.units.write((context) =>
      node.spaces.create(kind, context, { name: 'gone', visibility: 'public', inviteCode: null, ownerId: ann.id }),
    );
    await node.units.write((context) => node.spaces.markDeleted(kind, context, list.id));
    expect((await node.spaces.find(kind, list.id))?.deletedAt).toEqual(expect.any(String));
    expect((await node.spaces.visibleTo(kind, ann.id)).some((space) => space.id === list.id)).toBe(false);
  });
}
