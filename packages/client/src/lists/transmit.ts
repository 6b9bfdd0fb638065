import { ListsCommand, type Item, type Namespace } from '@tandem/contract';
import type { Connection } from '../connection.js';
import type { CommandOutcome } from '../transport.js';
import type { PendingOperation } from './list.js';

/** Sends one queued list operation as its command, with its `opId`. */
export function transmit(
  connection: Connection<typeof Namespace.Lists>,
  operation: PendingOperation,
): Promise<CommandOutcome<{ item: Item }>> {
  const { opId } = operation;
  switch (operation.kind) {
    case 'create':
      return connection.send(ListsCommand.ItemCreate, { opId, listId: operation.listId, text: operation.text });
    case 'update':
      return connection.send(ListsCommand.ItemUpdate, {
        opId,
        itemId: operation.itemId,
        version: operation.version,
        patch: operation.patch,
      });
    case 'delete':
      return connection.send(ListsCommand.ItemDelete, { opId, itemId: operation.itemId, version: operation.version });
    case 'restore':
      return connection.send(ListsCommand.ItemRestore, { opId, itemId: operation.itemId, version: operation.version });
    case 'move': {
      const { itemId, version, afterId, beforeId } = operation;
      return connection.send(ListsCommand.ItemMove, {
        opId,
        itemId,
        version,
        ...(afterId !== undefined ? { afterId } : {}),
        ...(beforeId !== undefined ? { beforeId } : {}),
      });
    }
  }
}
