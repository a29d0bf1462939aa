import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { type AttemptResult, WebhookSender } from './webhook-sender.js';
import { type PostBatch, type ResultBatch, SENDING_THREAD_NICENESS, type SenderThreadData } from './webhook-sender-thread.js';

// The thread of ThreadedWebhookSender: posts what it is sent, at most `maxSockets` at once and the rest in
// turn (one that could no longer start by its startBy is not sent), and sends the results back once per
// turn of its event loop.
const { timeoutMs, maxSockets } = workerData as SenderThreadData;
// The lowest priority the OS gives (Linux's niceness is per thread): on a machine whose cores are busy with
// bookings, they get the cores and this thread the time they leave; when they pause it catches up at full
// speed. Measured: docs/benchmarks.md, webhooks (on SQLite, bookings with a webhook went from a median
// of 63–69 % of the rate without to 68–92 %).
try {
  setPriority(SENDING_THREAD_NICENESS);
} catch {
  // A platform that does not let a thread lower its own priority: it sends at the normal one.
}
const sender = new WebhookSender(timeoutMs, maxSockets);
const waiting: PostBatch = [];
let running = 0;
let results: ResultBatch = [];

function answer(id: number, result: AttemptResult): void {
  if (results.length === 0) setImmediate(flush);
  results.push([id, result]);
}

function flush(): void {
  const batch = results;
  results = [];
  parentPort?.postMessage(batch);
}

function next(): void {
  while (running < maxSockets && waiting.length > 0) {
    const [id, message] = waiting.shift() as PostBatch[number];
    running += 1;
    void sender.post(message).then((result) => {
      running -= 1;
      answer(id, result);
      next();
    });
  }
}

parentPort?.on('message', (batch: PostBatch) => {
  waiting.push(...batch);
  next();
});
