import { sharedConfig } from './jest.shared.js';

/** `npm test`: unit specs next to the code (contract, API, the web app's plain modules), and end-to-end gateway specs in test/. */
export default {
  ...sharedConfig,
  testMatch: [
    '<rootDir>/packages/*/src/**/*.spec.ts',
    '<rootDir>/apps/api/src/**/*.spec.ts',
    '<rootDir>/apps/web/src/**/*.spec.ts',
    '<rootDir>/test/**/*.e2e-spec.ts',
  ],
  testTimeout: 30_000,
};
