import { ScoreboardCommand } from '@tandem/contract';
import type { ScoreboardFeature } from './scoreboard.js';

/** Boards joined by their short numeric PIN, and the owner's rotation of it. */
export class BoardPins {
  constructor(private readonly scoreboard: ScoreboardFeature) {}

  /** Joins the board a PIN names (a private one too: the PIN stands for its invite code), then opens it. */
  async join(pin: string): Promise<boolean> {
    const { scoreboard } = this;
    if (!scoreboard.connection.connected) {
      scoreboard.notify('error', 'You are offline: boards open once the connection is back.');
      return false;
    }
    const joined = await scoreboard.request(
      'join by PIN',
      scoreboard.connection.send(ScoreboardCommand.BoardPinJoin, { pin }),
    );
    return joined ? scoreboard.open(joined.boardId) : false;
  }

  /** Owner only: a new PIN for the open board; the old one stops working. */
  async rotate(): Promise<boolean> {
    const { scoreboard } = this;
    const boardId = scoreboard.state.get().board?.id;
    if (!boardId) return false;
    const rotated = await scoreboard.request(
      'make a new PIN',
      scoreboard.connection.send(ScoreboardCommand.BoardPinRotate, { boardId }),
    );
    if (!rotated) return false;
    scoreboard.state.update((state) =>
      state.board?.id === rotated.boardId ? { ...state, board: { ...state.board, pin: rotated.pin } } : state,
    );
    return true;
  }
}
