import { ScoreboardCommand } from '@tandem/contract';
import { newOpId } from '../feature.js';
import type { CommandOutcome } from '../transport.js';
import type { ScoreboardFeature } from './scoreboard.js';

/** Adding, renaming and removing the open board's players; each answers whether it was applied. */
export class BoardPlayers {
  constructor(private readonly scoreboard: ScoreboardFeature) {}

  /** `isMe`: the player stands for the signed-in user. */
  add(name: string, isMe = false): Promise<boolean> {
    const userId = this.scoreboard.me.id;
    return this.onOpenBoard(`add ${name}`, (boardId, opId) =>
      this.scoreboard.connection.send(ScoreboardCommand.PlayerAdd, {
        opId,
        boardId,
        name,
        ...(isMe ? { userId } : {}),
      }),
    );
  }

  rename(playerId: string, name: string): Promise<boolean> {
    return this.onOpenBoard('rename the player', (boardId, opId) =>
      this.scoreboard.connection.send(ScoreboardCommand.PlayerRename, { opId, boardId, playerId, name }),
    );
  }

  remove(playerId: string): Promise<boolean> {
    return this.onOpenBoard('remove the player', (boardId, opId) =>
      this.scoreboard.connection.send(ScoreboardCommand.PlayerRemove, { opId, boardId, playerId }),
    );
  }

  /** Sends a command about the open board; false (and a notice) when refused. */
  private async onOpenBoard(
    what: string,
    send: (boardId: string, opId: string) => Promise<CommandOutcome<unknown>>,
  ): Promise<boolean> {
    const boardId = this.scoreboard.state.get().currentBoardId;
    return boardId !== null && (await this.scoreboard.request(what, send(boardId, newOpId()))) !== null;
  }
}
