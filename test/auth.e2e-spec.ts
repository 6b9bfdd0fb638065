import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuthFailure, HttpRoute, Namespace } from '@tandem/contract';
import { TokenService } from '../apps/api/src/auth/token.service.js';
import { ChatGateway, type ChatNamespace } from '../apps/api/src/chat/chat.gateway.js';
import { closeAllClients, connect, signIn, socketFor } from './support/clients.js';
import { startServer, type TestServer } from './support/server.js';

describe('identity', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    closeAllClients();
    await server.close();
  });

  async function refusal(token?: string): Promise<{ message: string; data: unknown }> {
    const error = (await connect(socketFor(server.url, Namespace.Chat, token)).then(
      () => {
        throw new Error('the handshake was accepted');
      },
      (failure: unknown) => failure,
    )) as { message: string; data: unknown };
    return error;
  }

  it('issues a signed token and a user for a name', async () => {
    const session = await signIn(server.url, '  Ann  ');
    expect(session.user.name).toBe('Ann');
    expect(session.token).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(new Date(session.expiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(server.db.prepare('SELECT name FROM User WHERE id = ?').get(session.user.id)).toEqual({ name: 'Ann' });
    await connect(socketFor(server.url, Namespace.Chat, session.token));
  });

  it('keeps no copy of the token once a handshake is admitted', async () => {
    const session = await signIn(server.url, 'Tess');
    const client = await connect(socketFor(server.url, Namespace.Chat, session.token));
    const gateway: unknown = server.app.get(ChatGateway);
    const chat = (gateway as { server: ChatNamespace }).server;
    const admitted = chat.sockets.get(client.id ?? '');
    expect(admitted?.data.user.id).toBe(session.user.id);
    expect(admitted?.handshake.auth).toEqual({});
  });

  it.each([
    ['an empty name', { name: '   ' }],
    ['a missing name', {}],
    ['an unknown field', { name: 'ann', admin: true }],
    ['a name over 100 characters', { name: 'x'.repeat(101) }],
  ])('refuses sign-in with %s, writing nothing', async (_, body) => {
    const before = server.tableCounts();
    const response = await fetch(`${server.url}${HttpRoute.Sessions}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(server.tableCounts()).toEqual(before);
  });

  it('refuses a handshake without a token', async () => {
    expect(await refusal()).toMatchObject({ message: AuthFailure.Missing, data: { code: 'UNAUTHORIZED' } });
  });

  it('refuses a malformed token', async () => {
    expect((await refusal('not-a-token')).message).toBe(AuthFailure.Malformed);
  });

  it('refuses a tampered token', async () => {
    const { token } = await signIn(server.url, 'mallory');
    const [body, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as { sub: string };
    const forged = Buffer.from(JSON.stringify({ ...claims, name: 'admin' })).toString('base64url');
    expect((await refusal(`${forged}.${signature}`)).message).toBe(AuthFailure.Invalid);
  });

  it('refuses a token signed with another secret', async () => {
    const other = new TokenService({ ...server.config, tokenSecret: 'another-secret-another-secret-another-secret' });
    const { user } = await signIn(server.url, 'eve');
    expect((await refusal(other.issue(user).token)).message).toBe(AuthFailure.Invalid);
  });

  it('refuses an expired token', async () => {
    const tokens = server.app.get(TokenService);
    const { user } = await signIn(server.url, 'late');
    const expired = tokens.issue(user, { ttlSeconds: -1 }).token;
    expect(await refusal(expired)).toMatchObject({
      message: AuthFailure.Expired,
      data: { reason: AuthFailure.Expired },
    });
  });

  it('refuses a valid token for a user that does not exist', async () => {
    const tokens = server.app.get(TokenService);
    const ghost = tokens.issue({ id: '00000000-0000-4000-8000-000000000000', name: 'ghost' }).token;
    expect((await refusal(ghost)).message).toBe(AuthFailure.UnknownUser);
  });

  it('answers /health once the server accepts connections', async () => {
    const response = await fetch(`${server.url}${HttpRoute.Health}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', database: 'ok' });
  });
});

describe('token refresh and HTTP policy', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ CORS_ORIGIN: 'http://allowed.example' });
  });
  afterAll(async () => {
    closeAllClients();
    await server.close();
  });

  it('issues a fresh token for the same user to a bearer, and refuses without one', async () => {
    const session = await signIn(server.url, 'ann');
    const response = await fetch(`${server.url}${HttpRoute.SessionRefresh}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.token}` },
    });
    expect(response.status).toBe(201);
    const renewed = (await response.json()) as { token: string; user: { id: string } };
    expect(renewed.user).toEqual(session.user);
    await connect(socketFor(server.url, Namespace.Chat, renewed.token));

    const refused = await fetch(`${server.url}${HttpRoute.SessionRefresh}`, { method: 'POST' });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  });

  it('sends security headers, without forcing https', async () => {
    const response = await fetch(`${server.url}${HttpRoute.Health}`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
  });

  it('allows the configured origin over HTTP and refuses others', async () => {
    const allowed = await fetch(`${server.url}${HttpRoute.Health}`, { headers: { origin: 'http://allowed.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://allowed.example');
    const other = await fetch(`${server.url}${HttpRoute.Health}`, { headers: { origin: 'http://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a Socket.IO handshake from another origin', async () => {
    const { token } = await signIn(server.url, 'bob');
    const { io } = await import('socket.io-client');
    const foreign = io(`${server.url}${Namespace.Chat}`, {
      auth: { token },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: { origin: 'http://evil.example' },
    });
    const outcome = await new Promise<string>((resolve) => {
      foreign.once('connect', () => resolve('connected'));
      foreign.once('connect_error', (error) => resolve(error.message));
    });
    foreign.disconnect();
    expect(outcome).not.toBe('connected');
    const { io: ioAllowed } = await import('socket.io-client');
    const friendly = ioAllowed(`${server.url}${Namespace.Chat}`, {
      auth: { token },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: { origin: 'http://allowed.example' },
    });
    await connect(friendly);
    friendly.disconnect();
  });
});
