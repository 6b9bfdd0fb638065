import {
  ErrorCode,
  type ExpectedScore,
  type Player,
  type ScoreConflictDetails,
  type ScoreboardCommandResults,
} from '@tandem/contract';
import type { CommandError } from '../transport.js';
import { abandonStep, finishStep, recordChange, type UndoDirection, type UndoStep } from '../undo-history.js';
import { UndoSteps } from '../undo-steps.js';
import type { PendingScore, ScoreboardState } from './board.js';
import type { ScoreboardFeature } from './scoreboard.js';

/** A score change of this user, as its undo and redo need it. */
export interface ScoreUndoChange {
  delta: number;
  /** The round it counted in: after a reset it can no longer be undone. */
  round: number;
  /** The player's name, for the buttons. */
  name: string;
}

/** What a `score:add` queued here carries: `expected` and `step` for an undo or redo. */
export interface ScoreArgs {
  boardId: string;
  playerId: string;
  delta: number;
  expected?: ExpectedScore;
  step?: { direction: UndoDirection; stepId: number };
}

/**
 * Undo and redo of this user's score changes on the open board. The player's score is the
 * version: an undo adds the opposite delta only while the score is still the one this user's
 * change produced, in the same round (`expected`); otherwise the server answers `CONFLICT` and
 * nothing is added.
 */
export class ScoreUndo extends UndoSteps<ScoreUndoChange, ScoreboardState> {
  constructor(
    private readonly scoreboard: ScoreboardFeature,
    private readonly queue: (args: ScoreArgs) => void,
  ) {
    super(scoreboard.state, (state) => state.currentBoardId, describeScore);
  }

  /** Queues the opposite of a score change (redoing: the change again). */
  protected send(step: UndoStep<ScoreUndoChange>, direction: UndoDirection): void {
    this.queue({
      boardId: step.scope,
      playerId: step.target,
      delta: direction === 'undo' ? -step.change.delta : step.change.delta,
      expected: { round: step.change.round, score: step.expect },
      step: { direction, stepId: step.id },
    });
  }

  acknowledged(args: ScoreArgs, { player, round }: ScoreboardCommandResults['score:add']): void {
    this.change((history) => {
      if (args.step) return finishStep(history, args.step.stepId, player.score);
      const change = { delta: args.delta, round, name: player.name };
      const step = {
        scope: args.boardId,
        target: player.id,
        base: player.score - args.delta,
        expect: player.score,
        change,
      };
      return recordChange(history, step);
    });
    if (args.step) this.answered(false);
  }

  /** An undo or redo the server refused: forgotten, and the user is told why nothing happened. */
  refused(step: NonNullable<ScoreArgs['step']>, error: CommandError, player: Player | undefined): void {
    this.change((history) => abandonStep(history, step.stepId));
    this.answered(true);
    const nothing = `nothing was ${step.direction === 'undo' ? 'undone' : 'redone'}`;
    const details = error.details as Partial<ScoreConflictDetails> | undefined;
    if (error.code !== ErrorCode.Conflict || !details?.current) {
      this.scoreboard.notify('error', `Could not ${step.direction} the score: ${error.message}; ${nothing}.`);
    } else if (details.changedBy) {
      const { changedBy } = details;
      const by = changedBy.id === this.scoreboard.me.id ? 'You (in another tab)' : changedBy.name;
      this.scoreboard.notify(
        'error',
        `${by} changed ${player?.name ?? details.current.name}'s score since; ${nothing}.`,
      );
    } else {
      this.scoreboard.notify('error', `The round was reset since; ${nothing}.`);
    }
  }
}

/** A score step in words, after "Undo" or "Redo". */
export function describeScore({ delta, name }: ScoreUndoChange): string {
  return `${signed(delta)} to ${name}`;
}

/** A delta with its sign: +5, −3. */
export function signed(delta: number): string {
  return `${delta > 0 ? '+' : '−'}${Math.abs(delta)}`;
}

/** What the board shows of a queued score change. */
export function pendingArgs({
  boardId,
  playerId,
  delta,
}: ScoreArgs): Pick<PendingScore, 'boardId' | 'playerId' | 'delta'> {
  return { boardId, playerId, delta };
}
