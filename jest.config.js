// Two lanes (docs/testing-lanes.md). `fast`: suites that need no part of the local stack — pure unit tests, the
// engine on Temporal's time-skipping test server, replay of saved histories — runnable right after `npm ci`.
// `stack`: every other suite, against MariaDB, moto, the DMS emulator and the Temporal dev server.
const FAST = ['test/unit/', 'test/engine/', 'test/replay/replay.test.ts', 'test/worker/workerStart.test.ts'];

const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // hyparquet ships ES modules only; jest's CommonJS runtime needs them transpiled.
    '^.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(hyparquet|hyparquet-writer)/)'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120000,
  // The Temporal runtime keeps native handles open after the last worker stops.
  forceExit: true,
  projects: [
    {
      ...shared,
      displayName: 'fast',
      testMatch: FAST.map((p) => (p.endsWith('/') ? `<rootDir>/${p}**/*.test.ts` : `<rootDir>/${p}`)),
      globalSetup: '<rootDir>/test/support/fastSetup.ts',
    },
    {
      ...shared,
      displayName: 'stack',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...FAST.map((p) => `<rootDir>/${p.replace(/\./g, '\\.')}`)],
      globalSetup: '<rootDir>/test/support/globalSetup.ts',
      setupFiles: ['<rootDir>/test/support/loadStackEnv.ts'],
    },
  ],
};
