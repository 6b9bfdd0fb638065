import { describe, expect, it } from '@jest/globals';
import { Limits, ScoreboardCommand, type Board, type ScoreboardCommandResults } from '@tandem/contract';
import { command, commandOk, scoreboardClient, type ScoreboardClient } from './support/clients.js';
import { serverForSuite } from './support/server.js';

type Results = ScoreboardCommandResults;

describe('board PINs', () => {
  const server = serverForSuite();

  async function createBoard(socket: ScoreboardClient, name: string, visibility?: 'private'): Promise<Board> {
    const created = await commandOk<Results['board:create']>(socket, ScoreboardCommand.BoardCreate, {
      name,
      ...(visibility ? { visibility } : {}),
    });
    return created.board;
  }

  function joinByPin(socket: ScoreboardClient, pin: string) {
    return command<Results['board:pin:join']>(socket, ScoreboardCommand.BoardPinJoin, { pin });
  }

  function storedPins(): { pin: string; spaceKind: string; spaceId: string }[] {
    return server.db.prepare('SELECT pin, spaceKind, spaceId FROM SpacePin ORDER BY pin').all() as never;
  }

  it('gives every new board its own 6-digit PIN, shown with the board to those who open it', async () => {
    const { socket: owner } = await scoreboardClient(server.url, 'Owner');
    const { socket: player } = await scoreboardClient(server.url, 'Player');
    const first = await createBoard(owner, 'Quiz night');
    const second = await createBoard(owner, 'Pub quiz');
    expect(first.pin).toMatch(/^[1-9][0-9]{5}$/);
    expect(second.pin).toMatch(/^[1-9][0-9]{5}$/);
    expect(second.pin).not.toBe(first.pin);
    expect(storedPins()).toEqual(
      expect.arrayContaining([
        { pin: first.pin, spaceKind: 'board', spaceId: first.id },
        { pin: second.pin, spaceKind: 'board', spaceId: second.id },
      ]),
    );

    const joined = await commandOk<Results['board:join']>(player, ScoreboardCommand.BoardJoin, { boardId: first.id });
    expect(joined.board.pin).toBe(first.pin);
    // The board list carries no PIN.
    const listed = await commandOk<Results['board:list']>(player, ScoreboardCommand.BoardList, {});
    expect(listed.boards.find((board) => board.id === first.id)).not.toHaveProperty('pin');
  });

  it('joins a board by its PIN, a private one too, and refuses a wrong PIN with NOT_FOUND', async () => {
    const { socket: owner } = await scoreboardClient(server.url, 'Host');
    const { socket: guest, session } = await scoreboardClient(server.url, 'Guest');
    const board = await createBoard(owner, 'Secret quiz', 'private');
    const members = () =>
      server.db.prepare('SELECT userId FROM BoardMember WHERE boardId = ? ORDER BY joinedAt').all(board.id);

    const taken = new Set(storedPins().map((row) => row.pin));
    const free = ['100000', '100001', '100002'].find((pin) => !taken.has(pin))!;
    const before = server.tableCounts();
    expect(await joinByPin(guest, free)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(server.tableCounts()).toEqual(before);

    expect(await joinByPin(guest, board.pin!)).toEqual({ ok: true, data: { boardId: board.id } });
    expect(members()).toContainEqual({ userId: session.user.id });
    // A member now: the board opens without its invite code, with what a member sees.
    const joined = await commandOk<Results['board:join']>(guest, ScoreboardCommand.BoardJoin, { boardId: board.id });
    expect(joined.board).toMatchObject({ id: board.id, inviteCode: board.inviteCode, pin: board.pin });
    // Again: still one membership.
    expect(await joinByPin(guest, board.pin!)).toEqual({ ok: true, data: { boardId: board.id } });
    expect(members()).toHaveLength(2);
  });

  it('lets the owner rotate the PIN: the old one stops working, the new one works', async () => {
    const { socket: owner } = await scoreboardClient(server.url, 'Rotator');
    const { socket: late } = await scoreboardClient(server.url, 'Latecomer');
    const board = await createBoard(owner, 'Rotating', 'private');

    const rotated = await commandOk<Results['board:pin:rotate']>(owner, ScoreboardCommand.BoardPinRotate, {
      boardId: board.id,
    });
    expect(rotated.boardId).toBe(board.id);
    expect(rotated.pin).toMatch(/^[1-9][0-9]{5}$/);
    expect(rotated.pin).not.toBe(board.pin);
    expect(storedPins().filter((row) => row.spaceId === board.id)).toEqual([
      { pin: rotated.pin, spaceKind: 'board', spaceId: board.id },
    ]);

    expect(await joinByPin(late, board.pin!)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await joinByPin(late, rotated.pin)).toEqual({ ok: true, data: { boardId: board.id } });
    const reopened = await commandOk<Results['board:join']>(owner, ScoreboardCommand.BoardJoin, { boardId: board.id });
    expect(reopened.board.pin).toBe(rotated.pin);
  });

  it('lets only the owner rotate (FORBIDDEN), and a missing board is NOT_FOUND; nothing changes', async () => {
    const { socket: owner } = await scoreboardClient(server.url, 'Keeper');
    const { socket: other } = await scoreboardClient(server.url, 'Other');
    const board = await createBoard(owner, 'Kept');
    await commandOk(other, ScoreboardCommand.BoardJoin, { boardId: board.id });
    const before = storedPins();

    expect(await command(other, ScoreboardCommand.BoardPinRotate, { boardId: board.id })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', message: "only the board's owner can make a new PIN" },
    });
    expect(
      await command(owner, ScoreboardCommand.BoardPinRotate, { boardId: '00000000-0000-7000-8000-000000000000' }),
    ).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(storedPins()).toEqual(before);
  });

  it.each<[string, string, unknown]>([
    ['a PIN of 5 digits', ScoreboardCommand.BoardPinJoin, { pin: '12345' }],
    ['a PIN starting with 0', ScoreboardCommand.BoardPinJoin, { pin: '012345' }],
    ['a PIN with letters', ScoreboardCommand.BoardPinJoin, { pin: '12a456' }],
    ['a PIN as a number', ScoreboardCommand.BoardPinJoin, { pin: 123456 }],
    ['no PIN', ScoreboardCommand.BoardPinJoin, {}],
    ['an extra field', ScoreboardCommand.BoardPinJoin, { pin: '123456', boardId: 'x' }],
    ['a rotate without a board id', ScoreboardCommand.BoardPinRotate, {}],
    ['a rotate of a board id that is not a UUID', ScoreboardCommand.BoardPinRotate, { boardId: 'nope' }],
  ])('refuses %s with VALIDATION, writing nothing', async (_what, event, payload) => {
    const { socket } = await scoreboardClient(server.url, 'Typo');
    const before = server.tableCounts();
    expect(await command(socket, event, payload)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(server.tableCounts()).toEqual(before);
  });

  it('slows guessing down: past the burst of attempts, RATE_LIMITED with the wait, even for the right PIN', async () => {
    const { socket: owner } = await scoreboardClient(server.url, 'Target');
    const { socket: guesser } = await scoreboardClient(server.url, 'Guesser');
    const board = await createBoard(owner, 'Guess me', 'private');
    const taken = new Set(storedPins().map((row) => row.pin));
    const wrong = Array.from({ length: 1000 }, (_, index) => String(100_000 + index)).filter((pin) => !taken.has(pin));

    for (const pin of wrong.slice(0, Limits.pinAttemptBurst)) {
      expect(await joinByPin(guesser, pin)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
    const limited = await joinByPin(guesser, board.pin!);
    expect(limited).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    const retryAfterMs = (limited as { error: { details: { retryAfterMs: number } } }).error.details.retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(Limits.pinAttemptIntervalMs);
    // Another user's budget is their own.
    const { socket: friend } = await scoreboardClient(server.url, 'Friend');
    expect(await joinByPin(friend, board.pin!)).toEqual({ ok: true, data: { boardId: board.id } });
  });
});
