import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        // The pure core: no server needed (`npm run test:unit`).
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 60_000 },
      },
      {
        // Real Redis, real QuestDB, the simulator over real HTTP. Tests share the servers and isolate
        // themselves by unique queue names, key prefixes and domain names, so files may run in parallel.
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        // Issue 8: breaks things on purpose (private Redis/QuestDB restarted, workers SIGKILLed, hostile answers
        // and input) and checks the archive exactly afterwards. Real servers, real CLI processes.
        test: {
          name: 'reliability',
          include: ['test/reliability/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 240_000,
          hookTimeout: 180_000,
          // Some cases run side by side (hostile answers wait out retry backoffs), but only a few at a time: a
          // burst of CLI processes starving two cores would distort the quota timings measured next door.
          maxConcurrency: 4,
          // After the unit and integration projects, never beside them, for the same reason.
          sequence: { groupOrder: 1 },
        },
      },
    ],
    // Two cores on CI: a modest number of files at once.
    maxWorkers: 2,
  },
});
