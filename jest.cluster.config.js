import { sharedConfig } from './jest.shared.js';

/** `npm run test:cluster`: two server processes sharing Redis and PostgreSQL. */
export default {
  ...sharedConfig,
  testMatch: ['<rootDir>/test/cluster/**/*.cluster-spec.ts'],
  testTimeout: 90_000,
  maxWorkers: 1,
};
