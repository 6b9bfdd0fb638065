import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { AuthBroadcast, AuthFailure, HttpRoute, Namespace, type AuthFailureData } from '@tandem/contract';
import { changePassword, request, signInToAccount, signOut, signUp } from '../support/accounts.js';
import { closeAllClients, connect, nextEvent, socketFor } from '../support/clients.js';
import { PlainWsClient, closeAllPlainClients } from '../support/plain-ws.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { describeWithServices, freshPostgresDatabase, redisUrl } from '../support/services.js';

const describeWhenServicesRun = await describeWithServices('the accounts cluster suite');
const password = 'correct horse battery';

describeWhenServicesRun('accounts on two nodes', () => {
  let database: { url: string; drop: () => Promise<void> };
  let nodeA: ServerProcess;
  let nodeB: ServerProcess;

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    // One after the other: the first applies the migrations.
    nodeA = await spawnServer(database.url, { REDIS_URL: redisUrl });
    nodeB = await spawnServer(database.url, { REDIS_URL: redisUrl });
  });
  afterAll(async () => {
    closeAllPlainClients();
    closeAllClients();
    for (const node of [nodeA, nodeB]) node?.child.kill('SIGKILL');
    await Promise.all([nodeA?.exited, nodeB?.exited]);
    await database?.drop();
  });

  async function handshake(url: string, token: string): Promise<string> {
    return connect(socketFor(url, Namespace.Chat, token)).then(
      () => 'connected',
      (error: Error) => error.message,
    );
  }

  it('signs up on one node and in on the other as the same user; a sign-out on A closes its sockets on B', async () => {
    const laptop = await signUp(nodeA.url, 'ada', password);
    const phone = await signInToAccount(nodeB.url, 'ADA', password);
    expect(phone.user).toEqual(laptop.user);

    const onB = await connect(socketFor(nodeB.url, Namespace.Lists, laptop.token));
    const told = nextEvent<AuthFailureData>(onB, AuthBroadcast.Expired);
    const { client: plainOnB } = await PlainWsClient.connect(nodeB.url, laptop.token);
    const plainTold = plainOnB.next((frame) => 'event' in frame && frame.event === AuthBroadcast.Expired);
    const phoneOnB = await connect(socketFor(nodeB.url, Namespace.Chat, phone.token));

    expect((await signOut(nodeA.url, laptop.token)).status).toBe(204);
    expect(await told).toMatchObject({ reason: AuthFailure.Revoked });
    expect(await plainTold).toMatchObject({ data: { reason: AuthFailure.Revoked } });
    expect(await plainOnB.closed).toEqual({ code: 4401, reason: AuthFailure.Revoked });
    expect(await handshake(nodeB.url, laptop.token)).toBe(AuthFailure.Revoked);
    const refresh = await request(nodeB.url, 'POST', HttpRoute.SessionRefresh, undefined, laptop.token);
    expect(refresh.status).toBe(401);
    // The phone's sign-in is another: it goes on.
    expect(phoneOnB.connected).toBe(true);
  });

  it('changes the password on B: the other sign-ins are refused and closed on A', async () => {
    const tablet = await signInToAccount(nodeA.url, 'ada', password);
    const phone = await signInToAccount(nodeB.url, 'ada', password);
    const onA = await connect(socketFor(nodeA.url, Namespace.Scoreboard, tablet.token));
    const told = nextEvent<AuthFailureData>(onA, AuthBroadcast.Expired);

    const changed = await changePassword(nodeB.url, phone.token, password, 'a brand new secret');
    expect(changed.status).toBe(200);
    expect(await told).toMatchObject({ reason: AuthFailure.Revoked });
    expect(await handshake(nodeA.url, tablet.token)).toBe(AuthFailure.Revoked);
    expect(await handshake(nodeA.url, phone.token)).toBe(AuthFailure.Revoked);
    expect((await signInToAccount(nodeA.url, 'ada', 'a brand new secret')).user).toEqual(tablet.user);
  });
});
