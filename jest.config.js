import { sharedConfig } from './jest.shared.js';

/** `npm test`: unit specs next to the code, and end-to-end gateway specs in test/. */
export default {
  ...sharedConfig,
  testMatch: ['<rootDir>/apps/api/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  testTimeout: 30_000,
};
