import { parentPort, workerData } from 'node:worker_threads';
import { WebhookSender } from './webhook-sender.js';
import type { PostBatch, ResultBatch, SenderThreadData } from './webhook-sender-thread.js';

// The thread of ThreadedWebhookSender: posts what it is sent, and sends the results back once per turn of its event loop.
const { timeoutMs, maxSockets } = workerData as SenderThreadData;
const sender = new WebhookSender(timeoutMs, maxSockets);
let results: ResultBatch = [];

function flush(): void {
  const batch = results;
  results = [];
  parentPort?.postMessage(batch);
}

parentPort?.on('message', (batch: PostBatch) => {
  for (const [id, message] of batch) {
    void sender.post(message).then((result) => {
      if (results.length === 0) setImmediate(flush);
      results.push([id, result]);
    });
  }
});
