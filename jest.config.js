/** Unit, storage and HTTP tests: no browser needed. The Playground journeys are in jest.e2e.config.js. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The Playground journeys (jest.e2e.config.js) and the reliability suite (jest.reliability.config.js) run on their own.
  testPathIgnorePatterns: ['/test/e2e/', '/test/reliability/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  testTimeout: 30000,
  // On a 2-core machine Jest runs every file inside its own main process, one after another, and what
  // each file's bots leave behind adds up (the whole suite reached V8's 4 GB heap and aborted).
  // With a limit, files run in a worker that is replaced once it holds more than this after a file.
  workerIdleMemoryLimit: '1536MB',
  moduleNameMapper: { '^strip-bom$': '<rootDir>/test/helpers/strip-bom.js' },
};
