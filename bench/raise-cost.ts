import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { ENGINES } from '../test/helpers/engines.js';
import { createTestStore } from '../test/helpers/test-store.js';

// What one capacity raise that offers 10,000 tickets at once costs (the expiry storm's PATCH): its time,
// and the heap around it. `node --expose-gc --trace-gc --import tsx bench/raise-cost.ts [sqlite|postgres|mysql]`;
// the scavenges after the forced one ("testing") show the heap's highest use.
const WAITING = 20_000;
const OFFERED = 10_000;

const engine = ENGINES.find((candidate) => candidate.name === (process.argv[2] ?? 'sqlite'));
if (!engine) throw new Error(`no engine ${process.argv[2]}`);
const t = await createTestStore(engine);
const by = { actor: 'admin' as const, requestId: null };
const event = await t.service.openEvent(
  { name: 'Raise', venue: null, startsAt: null, totalTickets: 1, waitlistMode: 'offer', offerTtlSeconds: 60 },
  by,
);
await t.service.book(event.id, 'first', { quantity: 1, hold: false }, by);
for (let i = 0; i < WAITING; i += 500) {
  await Promise.all(Array.from({ length: 500 }, (_, k) => t.service.book(event.id, `w${i + k}`, { quantity: 1, hold: false }, by)));
}
global.gc?.();
const before = v8.getHeapStatistics().used_heap_size;
const started = performance.now();
await t.service.updateEvent(event.id, { totalTickets: 1 + OFFERED }, by);
const elapsed = performance.now() - started;
console.log(
  `${engine.name}: the raise offering ${OFFERED.toLocaleString('en-US')} took ${elapsed.toFixed(0)} ms; heap used before ${(before / 2 ** 20).toFixed(1)} MB`,
);
await t.close();
