/** Unit, storage and HTTP tests: no browser needed. The Playground journeys are in jest.e2e.config.js. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The Playground journeys (jest.e2e.config.js) and the reliability suite (jest.reliability.config.js) run on their own.
  testPathIgnorePatterns: ['/test/e2e/', '/test/reliability/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  testTimeout: 30000,
  moduleNameMapper: { '^strip-bom$': '<rootDir>/test/helpers/strip-bom.js' },
};
