import { afterAll, beforeAll } from '@jest/globals';
import type { User } from '@tandem/contract';
import type { SpaceKind } from '../../../apps/api/src/spaces/space-kinds.js';
import type { DataLayerDatabase, DataLayerNode } from '../data-layer.js';

export interface TwoUsers {
  node: DataLayerNode;
  ann: User;
  bob: User;
}

/**
 * A fresh database with a node and two users, ann and bob, for one file's cases (handed to `take`
 * before they run), dropped after them.
 */
export function twoUsers(open: () => Promise<DataLayerDatabase>, take: (world: TwoUsers) => void): void {
  let database: DataLayerDatabase | undefined;
  beforeAll(async () => {
    database = await open();
    const node = await database.node();
    take({ node, ann: await node.users.create('ann'), bob: await node.users.create('bob') });
  });
  afterAll(() => database?.drop());
}

/** A public space of that kind, owned by `owner`. */
export function publicSpace(node: DataLayerNode, kind: SpaceKind, name: string, owner: User) {
  return node.units.write((context) =>
    node.spaces.create(kind, context, { name, visibility: 'public', inviteCode: null, ownerId: owner.id }),
  );
}
