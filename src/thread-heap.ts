import { setFlagsFromString } from 'node:v8';
import type { ResourceLimits } from 'node:worker_threads';

/**
 * Resource limits for a helper thread (the webhook sending thread, SQLite's checkpoint thread) whose
 * young generation is `youngMb` megabytes.
 *
 * `npm start` gives the main isolate 8 MB semispaces from the start (`--min-semi-space-size=8
 * --max-semi-space-size=8`: the first bookings after a start meet a young generation at full size). V8
 * applies those flags to every isolate the process starts, and over a worker's own `resourceLimits`, so
 * each helper thread held a young generation of 16 MB too (measured: `v8.getHeapSpaceStatistics()` in a
 * worker). The flags are read once, when an isolate's heap is set up: cleared here, long after the main
 * isolate's was, they leave the main thread's young generation as it is and let the helper's limit apply.
 */
export function helperThreadLimits(youngMb: number): ResourceLimits {
  setFlagsFromString('--min-semi-space-size=0');
  setFlagsFromString('--max-semi-space-size=0');
  return { maxYoungGenerationSizeMb: youngMb };
}
