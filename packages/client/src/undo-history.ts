/**
 * Undo and redo of this user's own changes, as plain data (no timers, no sockets): the features
 * turn a step into a new command that names the version the step expects, and the server accepts
 * it only if nothing changed since. Nothing here rewrites what is shown.
 *
 * Versions are numbers the server compares (an item's `version`, a player's score). A step knows
 * the version its target had before it was last applied (`base`) and after (`expect`, which its
 * next undo or redo names). Undoing a step brings its target back to a state equal to `base`: the
 * other steps that expected `base` then expect the new version, so several undos in a row chain.
 */
export type UndoDirection = 'undo' | 'redo';

export interface UndoStep<C> {
  id: number;
  /** The list or board it belongs to: each has its own history. */
  scope: string;
  /** The item or player it changed. */
  target: string;
  base: number;
  expect: number;
  /** What it did, as the feature describes it. */
  change: C;
}

export interface UndoHistory<C> {
  /** Oldest first: the last one of a scope is the next to undo. */
  readonly done: readonly UndoStep<C>[];
  /** Oldest first: the last one of a scope is the next to redo. */
  readonly undone: readonly UndoStep<C>[];
  /** The step being undone or redone, until the server answers: no other starts meanwhile. */
  readonly pending: { readonly step: UndoStep<C>; readonly direction: UndoDirection } | null;
  readonly nextId: number;
}

/** Steps kept per scope; older ones are forgotten. */
export const undoLimit = 50;

export function emptyHistory<C>(): UndoHistory<C> {
  return { done: [], undone: [], pending: null, nextId: 1 };
}

/** A new change of this user: it can be undone, and what was undone in its scope can no longer be redone. */
export function recordChange<C>(
  history: UndoHistory<C>,
  step: Omit<UndoStep<C>, 'id'>,
  limit = undoLimit,
): UndoHistory<C> {
  const done = [...history.done, { ...step, id: history.nextId }];
  const inScope = done.filter((kept) => kept.scope === step.scope);
  const forgotten = new Set(inScope.slice(0, Math.max(0, inScope.length - limit)).map((old) => old.id));
  return {
    ...history,
    done: forgotten.size > 0 ? done.filter((kept) => !forgotten.has(kept.id)) : done,
    undone: history.undone.filter((kept) => kept.scope !== step.scope),
    nextId: history.nextId + 1,
  };
}

/** The step an undo (or redo) of `scope` would take now; null when there is none or one is pending. */
export function nextStep<C>(history: UndoHistory<C>, scope: string, direction: UndoDirection): UndoStep<C> | null {
  return history.pending ? null : topOf(history, scope, direction);
}

function topOf<C>(history: UndoHistory<C>, scope: string, direction: UndoDirection): UndoStep<C> | null {
  const stack = direction === 'undo' ? history.done : history.undone;
  return stack.findLast((step) => step.scope === scope) ?? null;
}

/** Takes the next step of `scope` off its stack, pending until the server answers. */
export function beginStep<C>(
  history: UndoHistory<C>,
  scope: string,
  direction: UndoDirection,
): { history: UndoHistory<C>; step: UndoStep<C> } | null {
  const step = nextStep(history, scope, direction);
  if (!step) return null;
  const stack = direction === 'undo' ? 'done' : 'undone';
  return {
    step,
    history: {
      ...history,
      [stack]: history[stack].filter((kept) => kept.id !== step.id),
      pending: { step, direction },
    },
  };
}

/**
 * The server applied the pending step: its target is at `version` now, in the state it had at
 * the step's `base`. The step moves to the other stack (`change` replaces what it holds).
 */
export function finishStep<C>(history: UndoHistory<C>, stepId: number, version: number, change?: C): UndoHistory<C> {
  const { pending } = history;
  if (pending?.step.id !== stepId) return history;
  const { step, direction } = pending;
  const chained = (kept: UndoStep<C>): UndoStep<C> =>
    kept.scope === step.scope && kept.target === step.target && kept.expect === step.base
      ? { ...kept, expect: version }
      : kept;
  const moved: UndoStep<C> = { ...step, base: step.expect, expect: version, change: change ?? step.change };
  const done = history.done.map(chained);
  const undone = history.undone.map(chained);
  return direction === 'undo'
    ? { ...history, done, undone: [...undone, moved], pending: null }
    : { ...history, done: [...done, moved], undone, pending: null };
}

/** The server refused the pending step (its target changed since): it is forgotten. */
export function abandonStep<C>(history: UndoHistory<C>, stepId: number): UndoHistory<C> {
  return history.pending?.step.id === stepId ? { ...history, pending: null } : history;
}

/** What an undo or redo button offers: the step's description, or null when there is nothing to take. */
export interface UndoOffers {
  undo: string | null;
  redo: string | null;
  /** A step is waiting for the server's answer. */
  busy: boolean;
}

export function offers<C>(history: UndoHistory<C>, scope: string | null, describe: (change: C) => string): UndoOffers {
  const step = (direction: UndoDirection) => {
    const next = scope === null ? null : topOf(history, scope, direction);
    return next ? describe(next.change) : null;
  };
  return { undo: step('undo'), redo: step('redo'), busy: history.pending !== null };
}
