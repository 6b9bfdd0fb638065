import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AuthBroadcast,
  AuthCommand,
  AuthFailure,
  ChatCommand,
  Namespace,
  ServerBroadcast,
  type ChatCommandResults,
  type PlainErrorFrame,
} from '@tandem/contract';
import { TokenService } from '../apps/api/src/auth/token.service.js';
import { ServerLifecycle } from '../apps/api/src/common/server-lifecycle.js';
import { settle, signIn } from './support/clients.js';
import { PlainWsClient, closeAllPlainClients } from './support/plain-ws.js';
import { startServer, testTokenSecret, type TestServer } from './support/server.js';

describe('/ws sessions', () => {
  let server: TestServer;
  let tokens: TokenService;

  beforeAll(async () => {
    server = await startServer({ PLAIN_WS_AUTH_TIMEOUT_MS: '300', PLAIN_WS_PING_INTERVAL_MS: '100' });
    tokens = server.app.get(TokenService);
  });
  afterEach(() => closeAllPlainClients());
  afterAll(async () => {
    await server.close();
  });

  /** Opens `/ws`, sends `first` (if any), and resolves with the error frame and the close. */
  async function refusal(first?: unknown) {
    const client = PlainWsClient.open(server.url);
    await client.opened;
    if (first !== undefined) client.send(first);
    const closed = await client.closed;
    return { closed, frame: client.frames[0] as PlainErrorFrame | undefined };
  }

  describe('refuses with close code 4401 and the handshake reason', () => {
    it.each([
      ['no token', { auth: {} }, AuthFailure.Missing],
      [
        'a command before the auth frame',
        { id: 1, ns: Namespace.Chat, event: ChatCommand.RoomList, data: {} },
        AuthFailure.Missing,
      ],
      ['a first frame that is not JSON', 'hello', AuthFailure.Missing],
      ['a malformed token', { auth: { token: 'not-a-token' } }, AuthFailure.Malformed],
      ['a token that is not a string', { auth: { token: 42 } }, AuthFailure.Missing],
    ])('%s', async (_, first, reason) => {
      const { closed, frame } = await refusal(first);
      expect(closed).toEqual({ code: 4401, reason });
      expect(frame).toMatchObject({ type: 'error', error: { code: 'UNAUTHORIZED', details: { reason } } });
    });

    it('a tampered, a foreign, an expired token, and one of no user', async () => {
      const { user, token } = await signIn(server.url, 'ann');
      const [claims, signature] = token.split('.');
      const forged = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(claims, 'base64url').toString()), name: 'x' })).toString('base64url')}.${signature}`;
      const foreign = new TokenService({ ...server.config, tokenSecret: `${testTokenSecret}-other` }).issue(user).token;
      const cases = [
        [forged, AuthFailure.Invalid],
        [foreign, AuthFailure.Invalid],
        [tokens.issue(user, { ttlSeconds: -1 }).token, AuthFailure.Expired],
        [tokens.issue({ id: '00000000-0000-4000-8000-000000000000', name: 'ghost' }).token, AuthFailure.UnknownUser],
      ];
      for (const [bad, reason] of cases) {
        expect((await refusal({ auth: { token: bad } })).closed).toEqual({ code: 4401, reason });
      }
    });

    it('no auth frame in time', async () => {
      expect((await refusal()).closed).toEqual({ code: 4401, reason: AuthFailure.Missing });
    });
  });

  it('runs the commands sent before ready, once ready', async () => {
    const session = await signIn(server.url, 'eager');
    const client = PlainWsClient.open(server.url);
    await client.opened;
    client.send({ auth: { token: session.token } });
    const ack = await client.command(Namespace.Chat, ChatCommand.RoomList, {});
    expect(ack).toMatchObject({ ok: true });
    expect(client.frames[0]).toMatchObject({ type: 'ready' });
  });

  it('tells auth:expired and closes 4401 token_expired when the token expires', async () => {
    const { user } = await signIn(server.url, 'brief');
    // An expiry is a whole second: a one-second token can expire before its auth frame is read.
    const { client } = await PlainWsClient.connect(server.url, tokens.issue(user, { ttlSeconds: 2 }).token);
    // Sent on one namespace (the first whose timer fires), then the whole connection closes.
    const expired = await client.next((frame) => 'event' in frame && frame.event === AuthBroadcast.Expired);
    expect(expired).toMatchObject({ data: { code: 'UNAUTHORIZED', reason: AuthFailure.Expired } });
    expect(await client.closed).toEqual({ code: 4401, reason: AuthFailure.Expired });
  });

  it('moves the expiry of every namespace with one auth:refresh', async () => {
    const { user } = await signIn(server.url, 'renewed');
    const brief = tokens.issue(user, { ttlSeconds: 2 });
    const { client } = await PlainWsClient.connect(server.url, brief.token);
    const fresh = tokens.issue(user, { ttlSeconds: 3_600 });
    expect(await client.command(Namespace.Lists, AuthCommand.Refresh, { token: fresh.token })).toEqual({
      ok: true,
      data: { expiresAt: fresh.expiresAt.toISOString() },
    });
    // Past the first token's expiry, whenever within its second it was issued.
    await settle(brief.expiresAt.getTime() - Date.now() + 500);
    for (const namespace of [Namespace.Chat, Namespace.Lists, Namespace.Scoreboard]) {
      expect(await client.command(namespace, 'nothing:here', {})).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    expect(await client.command(Namespace.Chat, AuthCommand.Refresh, { token: 'bad' })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED' },
    });
  });

  it('pings: a client that answers stays, one that does not is dropped', async () => {
    const session = await signIn(server.url, 'alive');
    const { client } = await PlainWsClient.connect(server.url, session.token);
    let pings = 0;
    client.ws.on('ping', () => pings++);
    const silent = PlainWsClient.open(server.url, { autoPong: false });
    await silent.opened;
    silent.send({ auth: { token: session.token } });
    expect((await silent.closed).code).toBe(1006);
    await settle(300);
    expect(pings).toBeGreaterThan(1);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });
});

describe('/ws limits and draining', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ RATE_LIMIT_BURST: '5', RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_USER_FACTOR: '2' });
  });
  afterEach(() => closeAllPlainClients());
  afterAll(async () => {
    await server.close();
  });

  it('rate-limits commands over /ws as over Socket.IO, applying only what it accepted', async () => {
    const session = await signIn(server.url, 'flood');
    const { client } = await PlainWsClient.connect(server.url, session.token);
    const { room } = await client.commandOk<ChatCommandResults['room:create']>(Namespace.Chat, ChatCommand.RoomCreate, {
      name: 'flood',
    });
    await client.commandOk(Namespace.Chat, ChatCommand.RoomJoin, { roomId: room.id });
    const acks = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client.command(Namespace.Chat, ChatCommand.MessageSend, {
          opId: randomUUID(),
          roomId: room.id,
          text: `m ${i}`,
        }),
      ),
    );
    const accepted = acks.filter((ack) => ack.ok);
    const limited = acks.filter((ack) => !ack.ok);
    expect(accepted.length).toBeGreaterThanOrEqual(5);
    expect(accepted.length).toBeLessThan(8);
    for (const ack of limited)
      expect(ack).toMatchObject({
        ok: false,
        error: { code: 'RATE_LIMITED', details: { retryAfterMs: expect.any(Number) } },
      });
    expect(
      server.db.prepare("SELECT COUNT(*) AS n FROM Message WHERE roomId = ? AND kind = 'user'").get(room.id),
    ).toEqual({
      n: accepted.length,
    });
  });

  it('tells server:draining and refuses commands UNAVAILABLE while draining', async () => {
    const session = await signIn(server.url, 'late');
    const { client } = await PlainWsClient.connect(server.url, session.token);
    const draining = client.nextEvent(Namespace.Chat, ServerBroadcast.Draining);
    await server.app.get(ServerLifecycle).drain(1_500);
    expect(await draining).toEqual({ reconnectWithinMs: 1_500 });
    expect(await client.command(Namespace.Chat, ChatCommand.RoomCreate, { name: 'x' })).toEqual({
      ok: false,
      error: { code: 'UNAVAILABLE', message: expect.any(String), details: { retryAfterMs: 1_500 } },
    });
  });

  it('closes its connections with 1001 when the server stops', async () => {
    const session = await signIn(server.url, 'last');
    const { client } = await PlainWsClient.connect(server.url, session.token);
    const closing = server.close();
    expect((await client.closed).code).toBe(1001);
    await closing;
    server = { close: async () => {} } as TestServer;
  });
});
