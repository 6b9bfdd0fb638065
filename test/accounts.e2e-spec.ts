import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  ChatCommand,
  HttpRoute,
  Namespace,
  ScoreboardCommand,
  badCredentialsMessage,
  type ChatCommandResults,
  type ScoreboardCommandResults,
} from '@tandem/contract';
import { claimAccount, request, signInToAccount, signUp } from './support/accounts.js';
import {
  chatClient,
  commandOk,
  connect,
  signIn,
  socketFor,
  type ChatClient,
  type ScoreboardClient,
} from './support/clients.js';
import { serverForSuite } from './support/server.js';

const password = 'correct horse battery';

/** A username no other test of the suite uses. */
function fresh(prefix = 'user'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

describe('accounts', () => {
  // Sign-in limits have their own suite below: here one address signs in many times.
  const server = serverForSuite({ SIGN_IN_RATE_BURST: '1000', SIGN_IN_RATE_PER_SECOND: '1000' });

  it('signs up with a username and password, stores only an argon2id hash, and signs in with the token', async () => {
    const username = fresh('Ada');
    const session = await signUp(server.url, username, password, 'Ada Lovelace');
    expect(session).toMatchObject({ user: { name: 'Ada Lovelace' }, username });
    const row = server.db
      .prepare('SELECT username, usernameKey, passwordHash, nameKey FROM User WHERE id = ?')
      .get(session.user.id);
    expect(row).toEqual({
      username,
      usernameKey: username.toLowerCase(),
      // Found by `@ada lovelace` mentions like any user.
      nameKey: 'ada lovelace',
      passwordHash: expect.stringMatching(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/),
    });
    expect(JSON.stringify(row)).not.toContain(password);
    await connect(socketFor(server.url, Namespace.Chat, session.token));
  });

  it('names the user after the username when no name is given', async () => {
    const username = fresh();
    expect((await signUp(server.url, username, password)).user.name).toBe(username);
  });

  it('signs in from a second device as the same user, whatever the case of the username', async () => {
    const username = fresh('Grace');
    const laptop = await signUp(server.url, username, password);
    const phone = await signInToAccount(server.url, username.toUpperCase(), password);
    expect(phone.user).toEqual(laptop.user);
    expect(phone.username).toBe(username);
    expect(phone.token).not.toBe(laptop.token);
    const [first, second] = await Promise.all(
      [laptop, phone].map((session) => connect(socketFor(server.url, Namespace.Chat, session.token))),
    );
    expect(first?.connected && second?.connected).toBe(true);
  });

  it('answers a wrong password and an unknown username alike: 401 UNAUTHORIZED, the same message', async () => {
    const username = fresh();
    await signUp(server.url, username, password);
    const wrong = await request(server.url, 'POST', HttpRoute.Sessions, { username, password: 'not the password' });
    const unknown = await request(server.url, 'POST', HttpRoute.Sessions, { username: fresh('nobody'), password });
    for (const answer of [wrong, unknown]) {
      expect(answer).toEqual({
        status: 401,
        body: { ok: false, error: { code: 'UNAUTHORIZED', message: badCredentialsMessage } },
      });
    }
  });

  it('refuses a username taken in another case with a clear CONFLICT, writing nothing', async () => {
    const username = fresh('Linus');
    await signUp(server.url, username, password);
    const before = server.tableCounts();
    const again = await request(server.url, 'POST', HttpRoute.Accounts, { username: username.toLowerCase(), password });
    expect(again).toEqual({
      status: 409,
      body: {
        ok: false,
        error: {
          code: 'CONFLICT',
          message: `the username "${username.toLowerCase()}" is taken: choose another`,
          details: { field: 'username' },
        },
      },
    });
    expect(server.tableCounts()).toEqual(before);
  });

  it.each([
    ['a short password', HttpRoute.Accounts, { username: 'shorty', password: 'short' }, ['password']],
    ['a short username', HttpRoute.Accounts, { username: 'ab', password }, ['username']],
    ['a username with spaces', HttpRoute.Accounts, { username: 'two words', password }, ['username']],
    [
      'a password over 256 characters',
      HttpRoute.Accounts,
      { username: 'longpw', password: 'x'.repeat(257) },
      ['password'],
    ],
    ['an unknown field', HttpRoute.Accounts, { username: 'extra', password, admin: true }, []],
    ['no password', HttpRoute.Accounts, { username: 'nopw' }, ['password']],
    ['an empty password at sign-in', HttpRoute.Sessions, { username: 'someone', password: '' }, ['password']],
    ['neither a name nor credentials', HttpRoute.Sessions, { username: 'someone' }, []],
  ])('refuses %s with VALIDATION, writing nothing', async (_, route, body, path) => {
    const before = server.tableCounts();
    const answer = await request<{ error: { details: { issues: { path: string[] }[] } } }>(
      server.url,
      'POST',
      route,
      body,
    );
    expect(answer).toMatchObject({ status: 400, body: { ok: false, error: { code: 'VALIDATION' } } });
    expect(answer.body.error.details.issues[0]?.path).toEqual(path);
    expect(server.tableCounts()).toEqual(before);
  });

  it('still signs in guests by name, each a new user without a username', async () => {
    const [first, second] = [await signIn(server.url, 'Guest'), await signIn(server.url, 'Guest')];
    expect(first.user.id).not.toBe(second.user.id);
    expect(first.username).toBeNull();
  });

  it("lets a guest claim an account that keeps the guest's id, private room and board ownership", async () => {
    const { socket: chat, session: guest } = await chatClient(server.url, 'Claire');
    const { room } = await commandOk<ChatCommandResults['room:create']>(chat, ChatCommand.RoomCreate, {
      name: 'secret plans',
      visibility: 'private',
    });
    const boards = await connect(socketFor<ScoreboardClient>(server.url, Namespace.Scoreboard, guest.token));
    const { board } = await commandOk<ScoreboardCommandResults['board:create']>(boards, ScoreboardCommand.BoardCreate, {
      name: 'quiz night',
    });
    const username = fresh('claire');
    const claimed = await claimAccount(server.url, guest.token, username, password);
    expect(claimed).toMatchObject({ user: guest.user, username });

    // Next day, another device: the same user, the private room listed, the board's owner.
    const later = await signInToAccount(server.url, username, password);
    expect(later.user).toEqual(guest.user);
    const chatLater = await connect(socketFor<ChatClient>(server.url, Namespace.Chat, later.token));
    const { rooms } = await commandOk<ChatCommandResults['room:list']>(chatLater, ChatCommand.RoomList, {});
    expect(rooms.find((entry) => entry.id === room.id)).toMatchObject({ name: 'secret plans', visibility: 'private' });
    const boardsLater = await connect(socketFor<ScoreboardClient>(server.url, Namespace.Scoreboard, later.token));
    await commandOk(boardsLater, ScoreboardCommand.BoardJoin, { boardId: board.id });
    const reset = await commandOk<ScoreboardCommandResults['board:reset']>(boardsLater, ScoreboardCommand.BoardReset, {
      opId: randomUUID(),
      boardId: board.id,
    });
    expect(reset.board.id).toBe(board.id);
  });

  it('refuses a second claim and a claim of a taken username, writing nothing', async () => {
    const taken = fresh('taken');
    await signUp(server.url, taken, password);
    const guest = await signIn(server.url, 'Late');
    const before = server.tableCounts();
    const clash = await request(
      server.url,
      'POST',
      HttpRoute.AccountClaim,
      { username: taken.toUpperCase(), password },
      guest.token,
    );
    expect(clash).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT', details: { field: 'username' } } } });
    await claimAccount(server.url, guest.token, fresh('late'), password);
    const twice = await request(
      server.url,
      'POST',
      HttpRoute.AccountClaim,
      { username: fresh('again'), password },
      guest.token,
    );
    expect(twice).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
    const after = server.db.prepare('SELECT COUNT(*) AS n FROM User WHERE usernameKey LIKE ?').get('again-%');
    expect(after).toEqual({ n: 0 });
    expect(server.tableCounts().User).toBe(before.User);
  });

  it('refuses a claim without a token', async () => {
    const answer = await request(server.url, 'POST', HttpRoute.AccountClaim, { username: fresh(), password });
    expect(answer).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
  });
});

describe('sign-in limits', () => {
  // Three attempts per username, twelve per address, refilled slowly enough not to matter here.
  const server = serverForSuite({
    SIGN_IN_RATE_BURST: '3',
    SIGN_IN_RATE_PER_SECOND: '0.001',
    SIGN_IN_ADDRESS_FACTOR: '4',
  });

  it('limits attempts per username, right password or not, then per client address', async () => {
    const username = fresh('target');
    await signUp(server.url, username, password);
    const attempt = (name: string, pass: string) =>
      request(server.url, 'POST', HttpRoute.Sessions, { username: name, password: pass });
    expect((await attempt(username, 'guess one')).status).toBe(401);
    expect((await attempt(username, 'guess two')).status).toBe(401);
    expect((await attempt(username, password)).status).toBe(201);
    const limited = await attempt(username.toUpperCase(), password);
    expect(limited).toMatchObject({
      status: 429,
      body: {
        ok: false,
        error: {
          code: 'RATE_LIMITED',
          message: expect.stringContaining('for this username'),
          details: { retryAfterMs: expect.any(Number) },
        },
      },
    });
    // Another username from the same address goes on, until the address's budget (12, the
    // sign-up included) is spent.
    const codes: number[] = [];
    for (let i = 0; i < 8; i += 1) codes.push((await attempt(fresh('other'), password)).status);
    expect(codes).toEqual([401, 401, 401, 401, 401, 401, 401, 429]);
    const last = await attempt(fresh('other'), password);
    expect(last.body).toMatchObject({
      error: { code: 'RATE_LIMITED', message: expect.stringContaining('from this address') },
    });
  });
});
