import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { ErrorCode, Namespace, timeOrderedId } from '@tandem/contract';
import { boardRanksCases } from '../support/conformance/board-ranks.cases.js';
import { boardStatesCases } from '../support/conformance/board-states.cases.js';
import { chatCases } from '../support/conformance/chat.cases.js';
import { messageChangesCases } from '../support/conformance/message-changes.cases.js';
import { sequencesCases } from '../support/conformance/sequences.cases.js';
import { listsOrderCases } from '../support/conformance/lists-order.cases.js';
import { listsCases } from '../support/conformance/lists.cases.js';
import { opIdCases } from '../support/conformance/opids.cases.js';
import { scoreboardCases } from '../support/conformance/scoreboard.cases.js';
import { spacesCases } from '../support/conformance/spaces.cases.js';
import { unitsOfWorkCases } from '../support/conformance/units-of-work.cases.js';
import { unreadCases } from '../support/conformance/unread.cases.js';
import { roundResetCases } from '../support/conformance/round-reset.cases.js';
import { postgresDataLayer, type DataLayerDatabase, type DataLayerNode } from '../support/data-layer.js';
import { postgresAdminUrl, describeWithServices } from '../support/services.js';
import { tcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

// The data layer's conformance suite on PostgreSQL (the same cases as test/data-layer.e2e-spec.ts
// on SQLite); here two nodes, two writers, share the database.
const describeWhenServicesRun = await describeWithServices('the data layer suite on PostgreSQL');

describeWhenServicesRun('data layer on PostgreSQL', () => {
  describeWhenServicesRun('units of work', () => unitsOfWorkCases(() => postgresDataLayer()));
  describeWhenServicesRun('opIds and snapshots', () => opIdCases(() => postgresDataLayer()));
  describeWhenServicesRun('seqs taken per batch', () => sequencesCases(() => postgresDataLayer()));
  describeWhenServicesRun('spaces', () => spacesCases(() => postgresDataLayer()));
  describeWhenServicesRun('chat', () => chatCases(() => postgresDataLayer()));
  describeWhenServicesRun('changes to a message overtaken', () => messageChangesCases(() => postgresDataLayer()));
  describeWhenServicesRun('unread counts', () => unreadCases(() => postgresDataLayer()));
  describeWhenServicesRun('scoreboard', () => scoreboardCases(() => postgresDataLayer()));
  describeWhenServicesRun('lists', () => listsCases(() => postgresDataLayer()));
  describeWhenServicesRun("a board's rounds", () => roundResetCases(() => postgresDataLayer()));
  describeWhenServicesRun("boards' kept rankings", () => boardStatesCases(() => postgresDataLayer()));
  describeWhenServicesRun("a score's rank", () => boardRanksCases(() => postgresDataLayer()));
  describeWhenServicesRun("lists' order on a database whose text compares in a locale's order", () =>
    listsOrderCases(() => postgresDataLayer({ icuLocale: 'en-US' }), 'locale'),
  );

  describeWhenServicesRun('when PostgreSQL goes away', () => {
    let proxy: TcpProxy;
    let database: DataLayerDatabase;
    let node: DataLayerNode;

    beforeAll(async () => {
      const server = new URL(postgresAdminUrl);
      proxy = await tcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
      database = await postgresDataLayer({ port: proxy.port });
      node = await database.node();
    });
    afterAll(async () => {
      await database.drop();
      await proxy.close();
    });

    const append = (stream: string) =>
      node.units.once(timeOrderedId(), timeOrderedId(), 'test:append', (context) =>
        node.changeLog.append(context, {
          namespace: Namespace.Chat,
          stream,
          event: 'test:appended',
          data: (seq) => ({ seq }),
        }),
      );

    it('answers writes and reads with an error that says so, applies nothing, and resumes without a restart', async () => {
      const stream = `test:${timeOrderedId()}`;
      expect(await append(stream)).toMatchObject({ seq: 1 });
      await proxy.cut();
      const refused = {
        code: ErrorCode.Unavailable,
        message: expect.stringContaining('database is unreachable') as unknown as string,
      };
      await expect(append(stream)).rejects.toMatchObject(refused);
      await expect(Promise.all([append(stream), append(stream)])).rejects.toMatchObject(refused);
      await expect(node.changeLog.currentSeq(stream)).rejects.toMatchObject(refused);
      await proxy.restore();
      expect(await append(stream)).toMatchObject({ seq: 2 });
      expect((await node.changeLog.since(stream, 0, 10)).map((change) => change.seq)).toEqual([1, 2]);
    });
  });
});
