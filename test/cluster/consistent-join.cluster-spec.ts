import { randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { ChatCommand, type ChatCommandResults, type RoomResync, type RoomSnapshot } from '@tandem/contract';
import { chatClient, closeAllClients, commandOk } from '../support/clients.js';
import { describeWithServices, nodesOnOneDatabase } from '../support/services.js';

const describeWhenServicesRun = await describeWithServices('the cluster suite');

const joinsPerJoiner = 15;

describeWhenServicesRun('a join while both nodes write', () => {
  const { nodes } = nodesOnOneDatabase(2, {}, closeAllClients);

  it('answers a snapshot or a resync as of one moment: its seq is that of the newest change it holds', async () => {
    const host = await chatClient(nodes[0].url, 'host');
    const { room } = await commandOk<ChatCommandResults['room:create']>(host.socket, ChatCommand.RoomCreate, {
      name: 'busy',
    });
    const roomId = room.id;
    // Two writers on each node, sending one message after another until the joins are done.
    const writers = await Promise.all(
      [0, 1, 0, 1].map(async (node, i) => {
        const writer = await chatClient(nodes[node].url, `writer-${i}`);
        await commandOk(writer.socket, ChatCommand.RoomJoin, { roomId });
        return writer.socket;
      }),
    );
    let writing = true;
    let sent = 0;
    const writes = writers.map(async (socket, i) => {
      while (writing) {
        await commandOk(socket, ChatCommand.MessageSend, { opId: randomUUID(), roomId, text: `w${i} ${sent++}` });
      }
    });

    // Joiners on both nodes: a first join (a snapshot), then rejoins from a few changes back.
    const problems: string[] = [];
    let checked = 0;
    const check = (what: string, ok: boolean, detail: () => string) => {
      checked++;
      if (!ok) problems.push(`${what}: ${detail()}`);
    };
    await Promise.all(
      [0, 1, 0, 1, 0, 1].map(async (node, i) => {
        const { socket } = await chatClient(nodes[node].url, `joiner-${i}`);
        for (let n = 0; n < joinsPerJoiner; n++) {
          const snapshot = await commandOk<RoomSnapshot>(socket, ChatCommand.RoomJoin, { roomId });
          const newest = snapshot.messages.at(-1)?.seq;
          check('snapshot', newest === snapshot.seq, () => `seq ${snapshot.seq}, newest message ${newest}`);
          const sinceSeq = Math.max(0, snapshot.seq - 3);
          const resync = await commandOk<RoomResync>(socket, ChatCommand.RoomJoin, { roomId, sinceSeq });
          const seqs = 'changes' in resync ? resync.changes.map((change) => change.seq) : [];
          const expected = Array.from({ length: resync.seq - sinceSeq }, (_, k) => sinceSeq + k + 1);
          check('resync', seqs.join() === expected.join(), () => `seq ${resync.seq}, changes ${seqs.join()}`);
        }
      }),
    );
    writing = false;
    await Promise.all(writes);

    expect(sent).toBeGreaterThan(20);
    expect(checked).toBe(6 * joinsPerJoiner * 2);
    expect(problems).toEqual([]);
  });
});
