import { describe, expect, it } from '@jest/globals';
import {
  AuthBroadcast,
  AuthCommand,
  AuthFailure,
  HttpRoute,
  Namespace,
  type AuthFailureData,
  type SessionCreated,
} from '@tandem/contract';
import { changePassword, request, signInToAccount, signOut, signUp } from './support/accounts.js';
import { command, connect, nextEvent, signIn, socketFor } from './support/clients.js';
import { PlainWsClient } from './support/plain-ws.js';
import { serverForSuite } from './support/server.js';

const password = 'correct horse battery';
const namespaces = Object.values(Namespace);
let accountNumber = 0;

/** An account signed in on two devices. */
async function twoDevices(url: string): Promise<{ username: string; laptop: SessionCreated; phone: SessionCreated }> {
  accountNumber += 1;
  const username = `person-${accountNumber}`;
  const laptop = await signUp(url, username, password);
  return { username, laptop, phone: await signInToAccount(url, username, password) };
}

describe('revocation: sign-out and password change', () => {
  const server = serverForSuite({ SIGN_IN_RATE_BURST: '1000', SIGN_IN_RATE_PER_SECOND: '1000' });

  /** What a handshake with `token` gets on each namespace: `connected`, or the refusal's reason. */
  async function handshakes(token: string): Promise<string[]> {
    return Promise.all(
      namespaces.map((namespace) =>
        connect(socketFor(server.url, namespace, token)).then(
          () => 'connected',
          (error: Error) => error.message,
        ),
      ),
    );
  }

  async function refreshStatus(token: string): Promise<{ status: number; reason?: string }> {
    const answer = await request<{ error?: { details?: { reason?: string } } }>(
      server.url,
      'POST',
      HttpRoute.SessionRefresh,
      undefined,
      token,
    );
    return { status: answer.status, reason: answer.body.error?.details?.reason };
  }

  it('signs out: 204, then the token is refused on REST and on every namespace, its open sockets closed', async () => {
    const { laptop, phone } = await twoDevices(server.url);
    const open = await Promise.all(
      namespaces.map((namespace) => connect(socketFor(server.url, namespace, laptop.token))),
    );
    const told = open.map((socket) => nextEvent<AuthFailureData>(socket, AuthBroadcast.Expired));
    const closed = open.map((socket) => new Promise((resolve) => socket.once('disconnect', resolve)));
    const phoneSocket = await connect(socketFor(server.url, Namespace.Chat, phone.token));

    expect(await signOut(server.url, laptop.token)).toEqual({ status: 204, body: null });
    for (const payload of await Promise.all(told)) {
      expect(payload).toEqual({ code: 'UNAUTHORIZED', reason: AuthFailure.Revoked, message: expect.any(String) });
    }
    expect(await Promise.all(closed)).toEqual(namespaces.map(() => 'io server disconnect'));
    expect(await refreshStatus(laptop.token)).toEqual({ status: 401, reason: AuthFailure.Revoked });
    expect(await handshakes(laptop.token)).toEqual(namespaces.map(() => AuthFailure.Revoked));
    expect((await signOut(server.url, laptop.token)).status).toBe(401);
    // The other device's sign-in goes on.
    expect(phoneSocket.connected).toBe(true);
    expect(await handshakes(phone.token)).toEqual(namespaces.map(() => 'connected'));
    expect((await refreshStatus(phone.token)).status).toBe(201);
  });

  it('revokes every token of the sign-in, the refreshed ones too', async () => {
    const { laptop } = await twoDevices(server.url);
    const refreshed = (
      await request<SessionCreated>(server.url, 'POST', HttpRoute.SessionRefresh, undefined, laptop.token)
    ).body;
    expect(refreshed.username).toBe(laptop.username);
    await signOut(server.url, refreshed.token);
    expect(await handshakes(laptop.token)).toEqual(namespaces.map(() => AuthFailure.Revoked));
  });

  it('signs a guest out too', async () => {
    const guest = await signIn(server.url, 'Passing');
    expect((await signOut(server.url, guest.token)).status).toBe(204);
    expect(await handshakes(guest.token)).toEqual(namespaces.map(() => AuthFailure.Revoked));
  });

  it('changes the password: old tokens refused everywhere, other devices closed, this device carries on', async () => {
    const { username, laptop, phone } = await twoDevices(server.url);
    const laptopSocket = await connect(socketFor(server.url, Namespace.Chat, laptop.token));
    const phoneSocket = await connect(socketFor(server.url, Namespace.Lists, phone.token));
    const phoneTold = nextEvent<AuthFailureData>(phoneSocket, AuthBroadcast.Expired);
    let laptopTold = false;
    laptopSocket.on(AuthBroadcast.Expired, () => (laptopTold = true));

    const changed = await changePassword(server.url, laptop.token, password, 'a brand new secret');
    expect(changed).toMatchObject({ status: 200, body: { user: laptop.user, username } });
    const renewed = changed.body as SessionCreated;
    expect(await phoneTold).toMatchObject({ reason: AuthFailure.Revoked });
    for (const token of [laptop.token, phone.token]) {
      expect(await refreshStatus(token)).toEqual({ status: 401, reason: AuthFailure.Revoked });
      expect(await handshakes(token)).toEqual(namespaces.map(() => AuthFailure.Revoked));
    }
    // This device's socket takes the new token in band; the new token works everywhere.
    expect(await command(laptopSocket, AuthCommand.Refresh, { token: renewed.token })).toMatchObject({ ok: true });
    expect(await command(laptopSocket, AuthCommand.Refresh, { token: laptop.token })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED', details: { reason: AuthFailure.Revoked } },
    });
    expect(laptopSocket.connected && !laptopTold).toBe(true);
    expect(await handshakes(renewed.token)).toEqual(namespaces.map(() => 'connected'));
    // The old password no longer signs in; the new one does, as the same user.
    expect((await request(server.url, 'POST', HttpRoute.Sessions, { username, password })).status).toBe(401);
    expect((await signInToAccount(server.url, username, 'a brand new secret')).user).toEqual(laptop.user);
  });

  it('refuses a password change with a wrong current password or by a guest, writing nothing', async () => {
    const { laptop } = await twoDevices(server.url);
    const guest = await signIn(server.url, 'Visitor');
    const before = server.tableCounts();
    const hashBefore = server.db.prepare('SELECT passwordHash FROM User WHERE id = ?').get(laptop.user.id);
    expect(await changePassword(server.url, laptop.token, 'not my password', 'another secret')).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED', details: { field: 'currentPassword' } } },
    });
    expect(await changePassword(server.url, guest.token, password, 'another secret')).toMatchObject({
      status: 409,
      body: { error: { code: 'CONFLICT' } },
    });
    expect(await changePassword(server.url, laptop.token, password, 'short')).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION' } },
    });
    expect(server.db.prepare('SELECT passwordHash FROM User WHERE id = ?').get(laptop.user.id)).toEqual(hashBefore);
    expect(server.tableCounts()).toEqual(before);
    expect(await handshakes(laptop.token)).toEqual(namespaces.map(() => 'connected'));
  });

  it('closes a plain WebSocket connection of a signed-out session with 4401 token_revoked', async () => {
    const { laptop } = await twoDevices(server.url);
    const { client } = await PlainWsClient.connect(server.url, laptop.token);
    const told = client.next((frame) => 'event' in frame && frame.event === AuthBroadcast.Expired);
    await signOut(server.url, laptop.token);
    expect(await told).toMatchObject({ data: { reason: AuthFailure.Revoked } });
    expect(await client.closed).toEqual({ code: 4401, reason: AuthFailure.Revoked });
  });
});
