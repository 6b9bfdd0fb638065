import { afterAll, beforeAll } from '@jest/globals';
import { Namespace, timeOrderedId } from '@tandem/contract';
import type { UnitOfWork } from '../../../apps/api/src/db/database.service.js';
import type { DataLayerDatabase, DataLayerNode } from '../data-layer.js';

/** Two nodes (two writers) on one database, opened before the cases of the block and dropped after them. */
export function twoNodes(open: () => Promise<DataLayerDatabase>): TwoNodes {
  const nodes = {} as TwoNodes;
  let database: DataLayerDatabase;
  beforeAll(async () => {
    database = await open();
    nodes.provider = database.provider;
    nodes.a = await database.node();
    nodes.b = await database.node();
  });
  afterAll(() => database.drop());
  return nodes;
}

export interface TwoNodes {
  a: DataLayerNode;
  b: DataLayerNode;
  provider: DataLayerDatabase['provider'];
}

/** A change appended to `stream` by `context`'s work. */
export const appendIn = (node: DataLayerNode, context: UnitOfWork, stream: string) =>
  node.changeLog.append(context, {
    namespace: Namespace.Chat,
    stream,
    event: 'test:appended',
    data: (seq) => ({ seq }),
  });

/** A change appended to `stream` in a unit of work of its own. */
export const append = (node: DataLayerNode, stream: string) =>
  node.units.write((context) => appendIn(node, context, stream));

/** `work` under a new opId of a new user. */
export const onceNew = <T>(node: DataLayerNode, work: (context: UnitOfWork) => Promise<T>, overlaps = true) =>
  node.units.once(timeOrderedId(), timeOrderedId(), 'test:append', work, { overlaps });
