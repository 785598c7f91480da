const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};

/**
 * The suites that run a second time with every server on Express (HTTP_PLATFORM=express).
 * single-instance is not among them: its lock races never reach the HTTP layer. The example
 * host of test/package.e2e-spec.ts runs on Express in the first project.
 */
const CORE_SUITES = ['health', 'graceful-shutdown', 'sse-backpressure', 'processes-api', 'http-hardening', 'host-module', 'log-stream', 'metrics'];

export default {
  // Two suites at a time: most of an integration suite is waiting on real processes, so a
  // second worker roughly halves the run on the 2-core reference machine (Jest's default there
  // is one worker). Every wait in the suites is bounded for a loaded machine.
  maxWorkers: 2,
  globalSetup: './test/support/global-setup.mjs',
  globalTeardown: './test/support/global-teardown.mjs',
  projects: [
    { ...common, displayName: 'unit', rootDir: '.', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.integration-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
      // Not `testTimeout`: Jest ignores it inside a project (the default 5 s applied to every test here).
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.ts'],
    },
    {
      ...common,
      displayName: 'integration-express',
      rootDir: '.',
      testMatch: CORE_SUITES.map((name) => `<rootDir>/test/${name}.e2e-spec.ts`),
      // Sets HTTP_PLATFORM=express, which every server the harness spawns inherits.
      setupFiles: ['<rootDir>/test/support/platform-express.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.ts'],
    },
  ],
};
