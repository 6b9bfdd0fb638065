import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuthBroadcast, AuthCommand, AuthFailure, ChatCommand, Namespace } from '@tandem/contract';
import { TokenService } from '../apps/api/src/auth/token.service.js';
import { closeAllClients, command, connect, nextEvent, settle, signIn, socketFor } from './support/clients.js';
import { startServer, type TestServer } from './support/server.js';

describe('live sessions', () => {
  let server: TestServer;
  let tokens: TokenService;

  beforeAll(async () => {
    server = await startServer();
    tokens = server.app.get(TokenService);
  });
  afterAll(async () => {
    closeAllClients();
    await server.close();
  });

  it('disconnects a socket when its token expires, telling it why', async () => {
    const { user } = await signIn(server.url, 'brief');
    const socket = await connect(socketFor(server.url, Namespace.Chat, tokens.issue(user, { ttlSeconds: 2 }).token));
    const expired = nextEvent(socket, AuthBroadcast.Expired);
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    expect(await expired).toMatchObject({ code: 'UNAUTHORIZED', reason: AuthFailure.Expired });
    expect(await disconnected).toBe('io server disconnect');
  });

  it('replaces the token in-band with auth:refresh, without reconnecting', async () => {
    const { user } = await signIn(server.url, 'renewed');
    const socket = await connect(socketFor(server.url, Namespace.Chat, tokens.issue(user, { ttlSeconds: 2 }).token));
    const fresh = tokens.issue(user, { ttlSeconds: 3_600 });
    const ack = await command(socket, AuthCommand.Refresh, { token: fresh.token });
    expect(ack).toEqual({ ok: true, data: { expiresAt: fresh.expiresAt.toISOString() } });
    await settle(2_500);
    expect(socket.connected).toBe(true);
    expect((await command(socket, ChatCommand.RoomList, {})).ok).toBe(true);
  });

  it('refuses a refresh with a token of another user, a bad token, or a bad payload', async () => {
    const session = await signIn(server.url, 'owner');
    const other = await signIn(server.url, 'other');
    const socket = await connect(socketFor(server.url, Namespace.Chat, session.token));
    expect(await command(socket, AuthCommand.Refresh, { token: other.token })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await command(socket, AuthCommand.Refresh, { token: `${session.token}x` })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED', details: { reason: AuthFailure.Invalid } },
    });
    expect(await command(socket, AuthCommand.Refresh, { token: session.token, extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    expect(socket.connected).toBe(true);
  });
});
