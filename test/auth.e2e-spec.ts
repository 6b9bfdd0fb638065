import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuthFailure, HttpRoute, Namespace } from '@tandem/contract';
import { TokenService } from '../apps/api/src/auth/token.service.js';
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
    const expired = tokens.issue(user, -1).token;
    expect(await refusal(expired)).toMatchObject({ message: AuthFailure.Expired, data: { reason: AuthFailure.Expired } });
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
