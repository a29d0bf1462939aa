import { spawn } from 'node:child_process';
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DeliveryEngine } from '../src/services/delivery-engine.js';
import { WebhookSender } from '../src/services/webhook-sender.js';
import { ThreadedWebhookSender } from '../src/services/webhook-sender-thread.js';
import { WebhookService } from '../src/services/webhook-service.js';
import { DeliveryRepository } from '../src/store/delivery-repository.js';
import { ENGINES } from '../test/helpers/engines.js';
import { createTestStore } from '../test/helpers/test-store.js';

// What one delivery costs this process: N bookings, then one engine round delivering them to a receiver in
// another process; prints CPU ms per delivery. `tsx bench/delivery-cost.ts [sqlite|postgres|mysql] [N] [profile.cpuprofile]`;
// THREAD=1 posts from the sending thread as the server does, DOWN=1 to a port nobody listens on (every attempt fails).
const RECEIVER = `
const http = require('node:http');
let requests = 0;
const server = http.createServer((req, res) => { requests++; req.resume(); req.on('end', () => res.writeHead(204).end()); });
server.keepAliveTimeout = 60000;
server.on('connection', () => process.send({ connection: true }));
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
`;

const engineName = process.argv[2] ?? 'sqlite';
const count = Number(process.argv[3] ?? 5000);
const profilePath = process.argv[4];
const engine = ENGINES.find((candidate) => candidate.name === engineName);
if (!engine) throw new Error(`no engine ${engineName}`);

const receiver = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
let connections = 0;
const port = await new Promise<number>((resolve) =>
  receiver.on('message', (message: { port?: number; connection?: boolean }) => {
    if (message.port) resolve(message.port);
    if (message.connection) connections += 1;
  }),
);
const t = await createTestStore(engine);
const repository = new DeliveryRepository(t.database);
const sender = new WebhookSender(5_000, 32);
const webhooks = new WebhookService(repository, sender);
await webhooks.create({ url: process.env.DOWN ? 'http://127.0.0.1:9/hook' : `http://127.0.0.1:${port}/hook` });
const by = { actor: 'admin' as const, requestId: null };
const event = await t.service.openEvent({ name: 'Cost', venue: null, startsAt: null, totalTickets: count * 2 }, by);
for (let i = 0; i < count; i++) await t.service.book(event.id, `u${i}@example.com`, { quantity: 1, hold: false }, by);
const threaded = process.env.THREAD ? new ThreadedWebhookSender({ timeoutMs: 5_000, maxSockets: 32 }) : null;
const deliveries = new DeliveryEngine(repository, threaded ?? sender, { timeoutMs: 5_000, retryForMs: 3_600_000, concurrency: 32 });

const session = profilePath ? new Session() : null;
if (session) {
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
}
const cpuBefore = process.cpuUsage();
const eluBefore = performance.eventLoopUtilization();
const started = performance.now();
await deliveries.runOnce();
const elapsed = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const mainThread = performance.eventLoopUtilization(eluBefore);
session?.post('Profiler.stop', (error, { profile }) => writeFileSync(profilePath as string, JSON.stringify(profile)));
const attempts = await webhooks.deliveries((await webhooks.list())[0]?.id ?? '', { limit: 1 });
console.log(
  `${engineName}: ${count + 1} entries delivered in ${elapsed.toFixed(0)} ms, ` +
    `CPU ${((cpu.user + cpu.system) / 1000 / (count + 1)).toFixed(3)} ms per delivery (main thread busy ${(mainThread.active / (count + 1)).toFixed(3)} ms), ${connections} connections; last attempt ${JSON.stringify(attempts.deliveries[0])}`,
);
await deliveries.stop();
sender.close();
await threaded?.close();
receiver.kill();
await t.close();
