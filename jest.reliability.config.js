/**
 * The reliability suite (`npm run test:reliability`): malformed input, the role matrix, patient
 * details, storage trouble and kill -9, each keeping its figures; one table is printed at the end.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/reliability'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  testTimeout: 120000,
  maxWorkers: 2,
  // Child processes and SDK requests left waiting on a frozen store must not hold the run open.
  forceExit: true,
  moduleNameMapper: { '^strip-bom$': '<rootDir>/test/helpers/strip-bom.js' },
  reporters: ['default', '<rootDir>/test/reliability/tableReporter.js'],
};
