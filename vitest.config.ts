/**
 * Three vitest projects, all run by `npm test`:
 * - unit: everything under tests/ that needs neither a subprocess, a server nor a browser (fast; the default loop);
 * - integration: the CLI end to end (tests/cli and other child-process runs) and the suites that start an HTTP server
 *   (the mock Hub of tests/support/mock-hub.ts, a local file server);
 * - e2e: the browser suites (tests/e2e), sharing one production build made by tests/e2e/global-setup.ts.
 * Pick one with `npx vitest run --project unit` (or integration, e2e).
 */
import { defineConfig } from 'vitest/config'

/** Test files outside tests/cli that start an HTTP server (the mock Hub, tests/support/mock-hub.ts, or their own). */
const SERVERS = [
  'tests/support/mock-hub.test.ts',
  'tests/data/hub-download.test.ts',
  'tests/data/hub-model.test.ts',
  'tests/data/hub-raw-files.test.ts',
  'tests/data/hub-dataset-source.test.ts',
  'tests/data/http-file-access.test.ts',
  'tests/storage/hub-model-store.test.ts',
]
/** Test files outside tests/cli that run the CLI as a child process. */
const CLI_PROCESSES = ['tests/core/tasks/suites-run.test.ts', 'tests/faults/interrupts.test.ts']
const INTEGRATION = ['tests/cli/**/*.test.ts', ...SERVERS, ...CLI_PROCESSES]
const E2E = ['tests/e2e/**/*.test.ts']

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // the JSON report lets .ci/run print a plain "N passed, N failed" closing line
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        extends: true,
        // one module graph per worker across files (no per-file re-import): the unit files keep no global state
        test: { name: 'unit', include: ['tests/**/*.test.ts'], exclude: [...INTEGRATION, ...E2E], isolate: false },
      },
      { extends: true, test: { name: 'integration', include: INTEGRATION } },
      {
        extends: true,
        test: {
          name: 'e2e', include: E2E, globalSetup: ['tests/e2e/global-setup.ts'],
          // a browser renders on later events: the suites poll for what they read, with room for a loaded CI machine
          expect: { poll: { timeout: 30_000, interval: 100 } },
        },
      },
    ],
  },
})
