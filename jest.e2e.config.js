/** Playground journeys in headless Chromium: run through `npm run test:e2e` (scripts/e2e.sh), never directly. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  testTimeout: 90000,
  maxWorkers: 1,
};
