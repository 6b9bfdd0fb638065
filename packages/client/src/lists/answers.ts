import { ErrorCode, type Item, type ItemConflictDetails } from '@tandem/contract';
import type { CommandError } from '../transport.js';
import { conflictFor, followersOf, quote, rebaseOnAck, type Operation, type PendingOperation } from './list.js';
import type { ListsFeature } from './lists.js';
import { without } from './marks.js';

/** The server applied an item change: later changes of this user are rebased on its result. */
export function itemAcknowledged(lists: ListsFeature, done: Operation, item: Item): void {
  lists.confirm(item);
  for (const { opId, status: _status, ...args } of rebaseOnAck(done, item, lists.pending())) {
    lists.outbox.update(opId, (entry) => ({ ...entry, args }));
  }
  lists.undoable.acknowledged(done, item);
  if (done.kind === 'delete' && !done.step) lists.marks.offerUndo(item);
}

/**
 * The server refused an item change for good: it is rolled back (with what was queued on an
 * item that could not be created); a `CONFLICT` shows the item as it is now and what the user
 * wanted, anything else is said in a notice.
 */
export function itemRefused(lists: ListsFeature, operation: Operation, error: CommandError): 'drop' {
  if (operation.kind === 'create') {
    drop(lists, (later) => 'itemId' in later && later.itemId === operation.tempId);
  }
  const current = (error.details as Partial<ItemConflictDetails> | undefined)?.current;
  if (error.code === ErrorCode.Conflict && current) {
    lists.confirm(current);
    const followers = followersOf(operation, current.id, lists.pending());
    const gone = new Set(followers.map((follower) => follower.opId));
    drop(lists, (later) => gone.has(later.opId));
    if (operation.step) lists.undoable.refused({ ...operation, step: operation.step }, error);
    else lists.marks.conflict(conflictFor(operation, followers, current, lists.me));
    return 'drop';
  }
  if (operation.step) {
    lists.undoable.refused({ ...operation, step: operation.step }, error);
    return 'drop';
  }
  const what =
    operation.kind === 'create'
      ? `add ${quote(operation.text)}`
      : `change ${quote(lists.state.get().confirmed[operation.itemId]?.text ?? 'the item')}`;
  lists.notify('error', `Could not ${what}: ${error.message}`);
  if (error.code === ErrorCode.NotFound && 'itemId' in operation) {
    const { itemId } = operation;
    lists.state.update((state) => ({ ...state, confirmed: without(state.confirmed, itemId) }));
  }
  return 'drop';
}

/** Takes the matching operations out of the outbox. */
function drop(lists: ListsFeature, match: (operation: PendingOperation) => boolean): void {
  lists.outbox.remove((entry) => entry.namespace === lists.namespace && match(lists.operationOf(entry)));
}
