import { sharedConfig } from './jest.shared.js';

/** `npm run test:browser`: real Chromium against the real server. */
export default {
  ...sharedConfig,
  testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
  testTimeout: 60_000,
  maxWorkers: 1,
};
