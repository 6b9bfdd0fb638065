import { beforeEach, describe, expect } from '@jest/globals';
import { chatCases } from './support/conformance/chat.cases.js';
import { scoreboardAndListsCases } from './support/conformance/scoreboard-lists.cases.js';
import { spacesCases } from './support/conformance/spaces.cases.js';
import { unitsOfWorkCases } from './support/conformance/units-of-work.cases.js';
import { sqliteDataLayer } from './support/data-layer.js';

// The data layer's conformance suite on SQLite; the cluster suite runs the same cases on PostgreSQL.
describe('data layer on SQLite', () => {
  // The assertions live in the shared cases: each case must make at least one.
  beforeEach(() => expect.hasAssertions());
  describe('units of work', () => unitsOfWorkCases(sqliteDataLayer));
  describe('spaces', () => spacesCases(sqliteDataLayer));
  describe('chat', () => chatCases(sqliteDataLayer));
  describe('scoreboard and lists', () => scoreboardAndListsCases(sqliteDataLayer));
});
