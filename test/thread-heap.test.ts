import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startCommand } from '../bench/processes.js';

const THREAD_HEAP = fileURLToPath(new URL('../src/thread-heap.ts', import.meta.url));

/**
 * The young generation (MB) of a worker started with `limits`, in a process started with npm start's
 * node flags; the worker fills it with short-lived objects first, so it has grown as far as it may.
 */
function youngGenerationOfWorker(limits: 'helperThreadLimits' | 'resourceLimits alone'): number {
  const script = `
    import { Worker } from 'node:worker_threads';
    const { helperThreadLimits } = await import(${JSON.stringify(THREAD_HEAP)});
    const resourceLimits = ${limits === 'helperThreadLimits' ? 'helperThreadLimits(4)' : '{ maxYoungGenerationSizeMb: 4 }'};
    // Dynamic imports: the worker inherits --input-type=module.
    const source = "Promise.all([import('node:v8'), import('node:worker_threads')]).then(([v8, { parentPort }]) => {" +
      "let kept = null; for (let i = 0; i < 300000; i++) kept = { i, text: 'x' + i };" +
      "parentPort.postMessage(v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size); });";
    const worker = new Worker(source, { eval: true, resourceLimits });
    worker.on('message', (bytes) => { console.log(bytes); worker.terminate(); });
  `;
  const output = execFileSync(process.execPath, [...startCommand().flags, '--import', 'tsx', '--input-type=module', '--eval', script], {
    encoding: 'utf8',
  });
  return Number(output.trim()) / 2 ** 20;
}

describe('helper threads under npm start’s node flags', () => {
  it('get the young generation they ask for, not the main thread’s', () => {
    const semispaceMb = Number(
      startCommand()
        .flags.find((flag) => flag.startsWith('--max-semi-space-size='))
        ?.split('=')[1],
    );
    expect(semispaceMb).toBeGreaterThan(4);
    // What the flags do to a worker's own limit: it is ignored, the worker gets two of npm start's semispaces.
    expect(youngGenerationOfWorker('resourceLimits alone')).toBeGreaterThanOrEqual(2 * semispaceMb);
    expect(youngGenerationOfWorker('helperThreadLimits')).toBeLessThanOrEqual(4.5);
  });
});
