import { svelte } from '@sveltejs/vite-plugin-svelte';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The rule that splits the suite: a file named `*.unit.test.ts` is a unit test, every other `*.test.ts`
 * an integration test. Unit tests need no database, no server process and no browser (they must not
 * import test/helpers/app.ts, db.ts, process.ts, nodes.ts, browser.ts or e2e.ts; eslint.config.js refuses
 * it), so their project runs without the global setup and finishes in seconds: `npm run test:unit`.
 * `npm test` runs both projects.
 */
const UNIT_TESTS = 'test/**/*.unit.test.ts';

export default defineConfig({
  test: {
    // Both projects share the pool: two cores run two files at once.
    maxWorkers: 2,
    projects: [
      {
        // Compiles the client's `*.svelte.ts` state classes, whose runes ($state, $derived) are no plain
        // TypeScript. Vitest asks for the server build here: runes become plain fields and $derived is
        // computed on each read, so the tests check the classes' logic, not Svelte's reactivity.
        plugins: [svelte({ configFile: false })],
        test: {
          name: 'unit',
          include: [UNIT_TESTS],
          pool: 'forks',
          // Worker-thread and property tests take seconds on a busy machine.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, UNIT_TESTS],
          // Each file builds its own server and database.
          pool: 'forks',
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Starts PostgreSQL (or uses DATABASE_URL) and builds the client, for this project only.
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
    ],
  },
});
