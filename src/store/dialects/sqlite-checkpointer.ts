import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { helperThreadLimits } from '../../thread-heap.js';

/** The checkpoint thread's young generation (MB): see helperThreadLimits. */
const CHECKPOINT_THREAD_YOUNG_MB = 1;

/** How often the worker moves the write-ahead log into the database file. */
const CHECKPOINT_EVERY_MS = 100;

/**
 * The worker's code: its own connection to the file, a PASSIVE checkpoint on a timer. PASSIVE never waits
 * for the writer and never blocks it; SQLite restarts the log once a checkpoint has caught up. Inline, so
 * it runs the same from dist/ and from the TypeScript sources under test.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const connection = new SQLite(workerData.location);
connection.pragma('busy_timeout = 5000');
const checkpoint = () => connection.pragma('wal_checkpoint(PASSIVE)');
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  connection.close();
  parentPort.close();
});
`;

/** Commits at this log size (pages) checkpoint on the writer's own thread, as SQLite does by default. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

export interface Checkpointer {
  close(): Promise<void>;
}

/**
 * Checkpoints an SQLite database in WAL mode on a worker thread, so the writer's commits only append to
 * the log (WalSync syncs it): copying pages into the database file and syncing that file (about 40 % of a
 * group commit's time on the event loop) happens beside the HTTP work. A PASSIVE checkpoint syncs the log
 * before it copies a page, so the file never holds a commit the log could lose. Should the worker
 * stop, `fallBack` hands checkpointing back to the writer's commits.
 */
export function startCheckpointer(location: string, fallBack: (autocheckpointPages: number) => void): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, location, everyMs: CHECKPOINT_EVERY_MS },
    // A pragma every 100 ms: next to no garbage.
    resourceLimits: helperThreadLimits(CHECKPOINT_THREAD_YOUNG_MB),
  });
  // Not a reason to keep the process alive: a checkpoint cut short is redone by the next connection.
  worker.unref();
  let closing = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', () => {
    // The worker's 'exit' follows and hands checkpointing back to the writer.
  });
  worker.once('exit', () => {
    if (!closing) fallBack(SQLITE_DEFAULT_AUTOCHECKPOINT);
  });
  return {
    close: async () => {
      closing = true;
      // Waited for now: the process must not end (nor the caller go on) before the worker has let go of the file.
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
