/**
 * Unit tests are pure and fast; integration tests share one real Temporal dev server per run; cluster tests run
 * the self-hosted shape (temporal-server on PostgreSQL) and start one cluster per file.
 */
// These ship ES modules only (cookie: used by fastify's inject); Jest's CommonJS runtime needs them transpiled.
const esmOnly = ['@marcbachmann/cel-js', 'cookie'];
const transform = {
  '^.+\\.ts$': 'ts-jest',
  [`/(${esmOnly.join('|')})/.+\\.js$`]: ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }],
};
const transformIgnorePatterns = [`/node_modules/(?!(${esmOnly.join('|')})/)`];

module.exports = {
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: [
        '<rootDir>/test/integration/**/*.test.ts',
        '<rootDir>/test/replay/**/*.test.ts',
        '<rootDir>/test/e2e/**/*.test.ts',
      ],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
    {
      // The docker-compose shape: temporal-server on PostgreSQL, worker and api processes (test/cluster/harness).
      displayName: 'cluster',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/cluster/**/*.test.ts'],
      globalSetup: '<rootDir>/test/cluster/global-setup.ts',
    },
  ],
};
