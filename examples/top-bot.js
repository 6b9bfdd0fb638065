// @ts-check
/**
 * A chat bot on @tandem/client: in a room, it answers `!top` with the top three of a board.
 *
 *   npm run build
 *   TANDEM_URL=http://localhost:3000 TANDEM_BOARD=<board id> node examples/top-bot.js
 *
 * It keeps what it could not send yet in `top-bot.outbox.json` (TANDEM_OUTBOX), so a reply written
 * while the server was away is sent once it is back, even after a restart.
 */
import { pathToFileURL } from 'node:url';
import { Session, TandemClient } from '@tandem/client';
import { FileOutboxStorage } from '@tandem/client/node';
import { generalRoom } from '@tandem/contract';

/**
 * The reply to `!top`: the board's three best players (ties share a rank).
 * @param {string} boardName
 * @param {readonly import('@tandem/contract').Player[]} players ranked, best first
 */
export function topThree(boardName, players) {
  if (players.length === 0) return `${boardName} has no players yet.`;
  const lines = players.slice(0, 3).map((player) => `${player.rank}. ${player.name} (${player.score})`);
  return `Top of ${boardName}: ${lines.join(', ')}`;
}

/**
 * Signs in as `name`, opens the board and the room, and answers every `!top` said in the room
 * from now on. Resolves once it listens; `stop()` disconnects it.
 * @param {{ url: string, boardId: string, roomId?: string, name?: string, outboxFile?: string }} options
 */
export async function startTopBot({ url, boardId, roomId = generalRoom.id, name = 'Top bot', outboxFile }) {
  const session = new Session(url);
  if (!(await session.signIn(name))) throw new Error(`could not sign in: ${session.state.get().problem}`);
  const client = new TandemClient({
    baseUrl: url,
    session,
    storage: new FileOutboxStorage(outboxFile ?? 'top-bot.outbox.json'),
    notify: ({ text }) => console.warn(text),
  });
  await client.start();
  await client.connected();
  if (!(await client.scoreboard.open(boardId))) throw new Error(`could not open the board ${boardId}`);
  if (!(await client.chat.rooms.open(roomId))) throw new Error(`could not open the room ${roomId}`);

  // Only what is said from now on: the room's history is not answered again.
  let heardUpTo = client.chat.state.get().views[roomId]?.seq ?? 0;
  const unsubscribe = client.chat.state.subscribe((state) => {
    const view = state.views[roomId];
    if (!view) return;
    for (const message of view.messages) {
      if (message.seq <= heardUpTo) continue;
      heardUpTo = message.seq;
      if (message.author.id === client.chat.me.id || message.text.trim() !== '!top') continue;
      const board = client.scoreboard.state.get().board;
      if (board) client.chat.messages.send(roomId, topThree(board.name, client.scoreboard.ranked()));
    }
  });
  return {
    client,
    async stop() {
      unsubscribe();
      await client.stop();
    },
  };
}

// Run as a program (not imported): settings from the environment.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url = process.env.TANDEM_URL ?? 'http://localhost:3000';
  const boardId = process.env.TANDEM_BOARD;
  if (!boardId) {
    console.error('Set TANDEM_BOARD to the id of the board to report on.');
    process.exit(1);
  }
  const bot = await startTopBot({
    url,
    boardId,
    roomId: process.env.TANDEM_ROOM,
    outboxFile: process.env.TANDEM_OUTBOX,
  });
  console.log(`Answering !top in the room with the top three of ${bot.client.scoreboard.state.get().board?.name}.`);
  process.once('SIGINT', () => void bot.stop());
}
