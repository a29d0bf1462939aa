import { defineConfig } from 'vitest/config';

// Files that hold servers to a deadline in real seconds (the spec's "expired within 5 s"). They run
// after everything else, by themselves: next to the crash test's kill -9 storms on a 2-core machine, a
// commit can stall for seconds and the deadline would measure the neighbours, not the server. Their
// servers mostly sleep, so the two run side by side.
const REAL_CLOCK = ['test/expiry-in-server.test.ts', 'test/expiry-across-processes.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: REAL_CLOCK,
          pool: 'forks',
          // Most files wait on databases, child processes and sockets, not on the CPU: three at once keep
          // a 2-core machine busy, where the default (cores - 1) would run them one by one.
          maxWorkers: 3,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'real-clock',
          include: REAL_CLOCK,
          pool: 'forks',
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
