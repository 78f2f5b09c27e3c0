import { defineConfig } from 'vitest/config';

// In CI, also write a JSON summary so .ci/run can print a plain "N passed, N failed" line.
const ciSummary = process.env['CONSENSIM_TEST_SUMMARY'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ciSummary ? ['default', ['json', { outputFile: ciSummary }]] : ['default'],
  },
});
