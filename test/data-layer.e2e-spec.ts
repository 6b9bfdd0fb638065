import { beforeEach, describe, expect, it } from '@jest/globals';
import { DomainEvents } from '../apps/api/src/common/domain-events.js';
import { loadConfig } from '../apps/api/src/config.js';
import { DatabaseService, postgresDriver } from '../apps/api/src/db/database.service.js';
import { MetricsService } from '../apps/api/src/metrics/metrics.service.js';
import { boardRanksCases } from './support/conformance/board-ranks.cases.js';
import { boardStatesCases } from './support/conformance/board-states.cases.js';
import { chatCases } from './support/conformance/chat.cases.js';
import { messageChangesCases } from './support/conformance/message-changes.cases.js';
import { sequencesCases } from './support/conformance/sequences.cases.js';
import { listsOrderCases } from './support/conformance/lists-order.cases.js';
import { listsCases } from './support/conformance/lists.cases.js';
import { opIdCases } from './support/conformance/opids.cases.js';
import { scoreboardCases } from './support/conformance/scoreboard.cases.js';
import { spacesCases } from './support/conformance/spaces.cases.js';
import { unitsOfWorkCases } from './support/conformance/units-of-work.cases.js';
import { unreadCases } from './support/conformance/unread.cases.js';
import { roundResetCases } from './support/conformance/round-reset.cases.js';
import { sqliteDataLayer } from './support/data-layer.js';

// The data layer's conformance suite on SQLite; the cluster suite runs the same cases on PostgreSQL.
describe('data layer on SQLite', () => {
  // The assertions live in the shared cases: each case must make at least one.
  beforeEach(() => expect.hasAssertions());
  describe('units of work', () => unitsOfWorkCases(sqliteDataLayer));
  describe('opIds and snapshots', () => opIdCases(sqliteDataLayer));
  describe('seqs taken per batch', () => sequencesCases(sqliteDataLayer));
  describe('spaces', () => spacesCases(sqliteDataLayer));
  describe('chat', () => chatCases(sqliteDataLayer));
  describe('changes to a message overtaken', () => messageChangesCases(sqliteDataLayer));
  describe('unread counts', () => unreadCases(sqliteDataLayer));
  describe('scoreboard', () => scoreboardCases(sqliteDataLayer));
  describe('lists', () => listsCases(sqliteDataLayer));
  describe("a board's rounds", () => roundResetCases(sqliteDataLayer));
  describe("boards' kept rankings", () => boardStatesCases(sqliteDataLayer));
  describe("a score's rank", () => boardRanksCases(sqliteDataLayer));
  describe("lists' order", () => listsOrderCases(sqliteDataLayer, 'bytes'));
});

// `pg` and the code on it load only for a PostgreSQL configuration.
describe('PostgreSQL driver', () => {
  const postgresConfig = loadConfig({ ...process.env, DATABASE_URL: 'postgres://user@127.0.0.1:1/none' });

  it('is not loaded for SQLite', async () => {
    expect(await postgresDriver(loadConfig({ ...process.env, DATABASE_URL: 'file:./unused.db' }))).toBeNull();
  });

  it('is required by a PostgreSQL configuration', () => {
    expect(() => new DatabaseService(postgresConfig, new DomainEvents(), new MetricsService(), null)).toThrow(
      'PostgreSQL is configured but its driver was not loaded',
    );
  });
});
