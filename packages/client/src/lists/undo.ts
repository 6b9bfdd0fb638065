import { ErrorCode, type Item, type ItemConflictDetails, type ItemPatch } from '@tandem/contract';
import type { CommandError } from '../transport.js';
import { abandonStep, finishStep, recordChange, type UndoDirection, type UndoStep } from '../undo-history.js';
import { UndoSteps } from '../undo-steps.js';
import { quote, type Operation } from './list.js';
import type { ListsFeature, ListsState } from './lists.js';

/** A change of this user to an item, as its undo and redo need it; `item`: the server's, after it. */
export type ListUndoChange =
  | { kind: 'create' | 'restore' | 'delete'; item: Item }
  | { kind: 'update' | 'move'; item: Item; patch: ItemPatch; was: ItemPatch };

/**
 * Undo and redo of this user's item changes on the open list. A change enters the history once
 * the server has accepted it; its undo is a new command (the inverse change) naming the version
 * that change produced, so the server refuses it with `CONFLICT` if anybody changed the item
 * since, and nothing is undone.
 */
export class ListUndo extends UndoSteps<ListUndoChange, ListsState> {
  constructor(private readonly lists: ListsFeature) {
    super(lists.state, (state) => state.currentListId, describeChange);
  }

  /** Sends the inverse of a change (or, redoing, the change again). */
  protected send(step: UndoStep<ListUndoChange>, direction: UndoDirection): void {
    // The delete's own Undo offer would name a version this step is about to change.
    this.lists.marks.dismissUndo();
    this.lists.enqueue({ ...stepOperation(step, direction), step: { direction, stepId: step.id } });
  }

  /** The server accepted an item change: a step finished, or a new change to remember. */
  acknowledged(done: Operation, item: Item): void {
    this.change((history) => {
      if (done.step) {
        const change = history.pending?.step.change;
        return finishStep(history, done.step.stepId, item.version, change && { ...change, item });
      }
      const recorded = recordedChange(done, item);
      if (!recorded) return history;
      const base = recorded.kind === 'create' ? 0 : (done as { version: number }).version;
      return recordChange(history, {
        scope: item.listId,
        target: item.id,
        base,
        expect: item.version,
        change: recorded,
      });
    });
    if (done.step) this.answered(false);
  }

  /** The server refused an undo or redo: it is forgotten, and the user is told why nothing happened. */
  refused(done: Operation & { step: NonNullable<Operation['step']> }, error: CommandError): void {
    this.change((history) => abandonStep(history, done.step.stepId));
    this.answered(true);
    const nothing = `nothing was ${done.step.direction === 'undo' ? 'undone' : 'redone'}`;
    const current = (error.details as Partial<ItemConflictDetails> | undefined)?.current;
    if (error.code === ErrorCode.Conflict && current) {
      const by = current.updatedBy.id === this.lists.me.id ? 'You (in another tab)' : current.updatedBy.name;
      const what = current.deletedAt ? 'deleted' : 'changed';
      this.lists.notify('error', `${by} ${what} ${quote(current.text)} since; ${nothing}.`);
    } else {
      this.lists.notify('error', `Could not ${done.step.direction}: ${error.message}; ${nothing}.`);
    }
  }
}

/** The change an acknowledged operation of the user made, if it can be undone. */
function recordedChange(done: Operation, item: Item): ListUndoChange | null {
  switch (done.kind) {
    case 'create':
    case 'restore':
    case 'delete':
      return { kind: done.kind, item };
    case 'update':
      return done.was ? { kind: 'update', item, patch: done.patch, was: done.was } : null;
    case 'move':
      return done.was ? { kind: 'move', item, patch: { position: item.position }, was: done.was } : null;
  }
}

/** The command an undo (the inverse change) or a redo (the change again) of a step sends. */
function stepOperation(
  { target: itemId, expect: version, change }: UndoStep<ListUndoChange>,
  direction: UndoDirection,
): Operation {
  const appears = (change.kind === 'delete') === (direction === 'undo');
  switch (change.kind) {
    case 'create':
    case 'restore':
    case 'delete':
      return appears ? { kind: 'restore', itemId, version, item: change.item } : { kind: 'delete', itemId, version };
    case 'update':
    case 'move':
      return { kind: 'update', itemId, version, patch: direction === 'undo' ? change.was : change.patch };
  }
}

/** A step in words, after "Undo" or "Redo". */
export function describeChange(change: ListUndoChange): string {
  const text = quote(change.item.text);
  switch (change.kind) {
    case 'create':
      return `adding ${text}`;
    case 'restore':
      return `restoring ${text}`;
    case 'delete':
      return `deleting ${text}`;
    case 'move':
      return `moving ${text}`;
    case 'update': {
      const { text: edited, done } = change.patch;
      if (edited !== undefined) return `the edit of ${quote(change.was.text ?? edited)}`;
      if (done !== undefined) return `${done ? 'ticking' : 'unticking'} ${text}`;
      return `moving ${text}`;
    }
  }
}
