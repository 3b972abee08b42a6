/** ts-jest with full type checking: isolatedModules stays off so a type error fails the test run. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 30000,
  // Jest's default on 2 cores is one worker; the integration suites spend much of their time waiting (sandbox
  // delays, outages, duplicate windows), so a second worker shortens the run without starving the first.
  maxWorkers: 2,
  // Every file's logs are audited for secrets and full numbers (tests/setup/logAudit.ts).
  setupFilesAfterEnv: ['<rootDir>/tests/setup/logAudit.ts'],
};
