import type { BenchEngine } from './databases.js';
import { FLOOR, KEYED_FLASH, type ScenarioResult, type ScenarioSettings } from './scenarios.js';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  os: string;
  database: string;
}

export interface RunReport {
  command: string;
  engine: BenchEngine;
  startedAt: Date;
  settings: ScenarioSettings;
  machine: Machine;
  results: ScenarioResult[];
}

// Issue 16's goals: each compared with a row of the same run.
const RSS_LIMIT_MB = 160;
const STACK_GOAL = 75;
const SPREAD_GOAL = 0.7;
const FLASH_GOALS: Partial<Record<string, { share: number; p99Ms: number }>> = {
  sqlite: { share: 65, p99Ms: 20 },
  postgres: { share: 35, p99Ms: 30 },
};

export const BENCHMARKS_PREAMBLE = `# Benchmarks

Written by \`npm run bench\` (see bench/run.ts); every run appends one section below. Each run compiles
the server and the floor with tsc and starts them as separate processes on 127.0.0.1 (Boxoffice as
\`npm start\` runs it, \`node\` with the flags of package.json's start script and \`dist/main.js\`, on a database of its own), drives them with autocannon from
the bench process, and afterwards checks every event through the HTTP API: no oversell, one active
booking per user, waiting-list positions 1..n in FIFO order, every promotion taking the head of the
list when the audit log is replayed, every 2xx booking or cancel stored, and nothing stored for a
refused request.

Scenarios: **floor** — bare Fastify answering the same booking request with the same shape, no auth,
database or logging; **flash sale** — one event with 1,000,000 tickets, every request a new user;
**flash sale, each booking with an Idempotency-Key** — the same with a fresh key on every booking, as
the page sends them;
**sold-out rush** — 1,000 tickets, 20,000 bookings, most of them join the waiting list; **cancel
storm** — on the rush's event every ticket holder and 4,000 of those waiting cancel at once in
shuffled order; **spread** — bookings spread round-robin over 100 events; **flash sale,
BATCH_MAX_SIZE=1** — the flash sale with one transaction per request, as before group commit. One more
row, **Boxoffice without the database**, runs the real server with every booking answered from memory
(bench/stubbed-booking.ts): its HTTP stack alone, the most the flash sale could reach.
Boxoffice runs with \`LOG_LEVEL=warn\` (a JSON log line per request costs throughput of its own) and
\`RATE_LIMIT_MAX=0\`, authenticating every request as the admin (HTTP Basic). Each server process gets
2 s of unmeasured warm-up. The load generator shares the machine's cores with the server, as it does
for the floor, and so does anything else running on the machine: compare rows of one run, not runs.
Peak RSS is the server's, sampled every 200 ms.
`;

function fixed(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function find(report: RunReport, name: string): ScenarioResult | undefined {
  return report.results.find((result) => result.name === name);
}

function invariants(result: ScenarioResult): string {
  if (result.violations === null) return '—';
  if (result.violations.length === 0) return 'ok';
  return `**${result.violations.length} violations**: ${result.violations.slice(0, 3).join('; ')}`;
}

function table(report: RunReport): string {
  const floorRate = find(report, FLOOR)?.load.requestsPerSecond ?? 0;
  const rows = report.results.map((result) => {
    const { load } = result;
    const share = floorRate > 0 ? `${fixed((100 * load.requestsPerSecond) / floorRate)} %` : '—';
    return `| ${result.name} | ${fixed(load.requests)} | ${fixed(load.requestsPerSecond)} | ${share} | ${fixed(load.p50Ms)} | ${fixed(load.p99Ms)} | ${fixed(load.errors)} | ${fixed(load.non2xx)} | ${fixed(load.peakRssMb)} | ${fixed(load.serverCpuUsPerRequest)} | ${invariants(result)} |`;
  });
  return [
    '| scenario | requests | req/s | of floor | p50 ms | p99 ms | errors | non-2xx | peak RSS MB | server CPU µs/req | invariants |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
  ].join('\n');
}

/** The issue's goals, as measured in this run. */
function goals(report: RunReport): string[] {
  const floorResult = find(report, FLOOR);
  const flash = find(report, 'flash sale');
  const single = find(report, 'flash sale, BATCH_MAX_SIZE=1');
  const lines: string[] = [];
  const verdict = (met: boolean) => (met ? 'met' : 'short');
  const flashGoal = FLASH_GOALS[report.engine];
  if (flash && floorRate(floorResult) > 0) {
    const share = (100 * flash.load.requestsPerSecond) / floorRate(floorResult);
    const target = flashGoal
      ? ` (goal ≥ ${flashGoal.share} %, p99 ≤ ${flashGoal.p99Ms} ms): ${verdict(share >= flashGoal.share && flash.load.p99Ms <= flashGoal.p99Ms)}`
      : '';
    lines.push(`flash sale = ${fixed(share, 1)} % of the floor's req/s, p99 ${fixed(flash.load.p99Ms)} ms${target}`);
  }
  const keyed = find(report, KEYED_FLASH);
  if (flash && keyed && flash.load.requestsPerSecond > 0) {
    lines.push(
      `flash sale with an Idempotency-Key on every booking (as the page books) = ${fixed(keyed.load.requestsPerSecond / flash.load.requestsPerSecond, 2)} of the flash sale's req/s, p99 ${fixed(keyed.load.p99Ms)} ms; server CPU ${fixed(keyed.load.serverCpuUsPerRequest)} against ${fixed(flash.load.serverCpuUsPerRequest)} µs a booking`,
    );
  }
  const spread = find(report, 'spread (100 events)');
  if (flash && spread && flash.load.requestsPerSecond > 0) {
    const ratio = spread.load.requestsPerSecond / flash.load.requestsPerSecond;
    lines.push(
      `spread over 100 events = ${fixed(ratio, 2)} of the flash sale's req/s (goal ≥ ${SPREAD_GOAL}): ${verdict(ratio >= SPREAD_GOAL)}`,
    );
  }
  if (flash && single && single.load.requestsPerSecond > 0) {
    const speedup = flash.load.requestsPerSecond / single.load.requestsPerSecond;
    const target = report.engine === 'postgres' ? ' (goal ≥ 7×, p99 ≤ 50 ms)' : '';
    const met = speedup >= 7 && flash.load.p99Ms <= 50;
    lines.push(
      `flash sale with group commit = ${fixed(speedup, 1)}× one transaction per request (${fixed(flash.load.requestsPerSecond)} vs ${fixed(single.load.requestsPerSecond)} req/s)${target}${report.engine === 'postgres' ? `: ${verdict(met)}` : ''}`,
    );
  }
  const stack = report.results.find((result) => result.name.startsWith('Boxoffice without the database'));
  if (flash && stack && floorRate(floorResult) > 0) {
    const stackShare = (100 * stack.load.requestsPerSecond) / floorRate(floorResult);
    lines.push(
      `Boxoffice's HTTP stack alone (bookings answered in memory) = ${fixed(stackShare, 1)} % of the floor (goal ≥ ${STACK_GOAL} %): ${verdict(stackShare >= STACK_GOAL)}; peak RSS ${fixed(stack.load.peakRssMb)} MB; the flash sale reaches ${fixed((100 * flash.load.requestsPerSecond) / stack.load.requestsPerSecond, 1)} % of that`,
    );
  }
  lines.push(...report.results.flatMap((result) => result.goals ?? []));
  const checked = report.results.filter((result) => result.violations !== null);
  const violations = checked.reduce((sum, result) => sum + (result.violations?.length ?? 0), 0);
  lines.push(`invariant violations: ${violations} in ${checked.length} checked scenarios: ${verdict(violations === 0)}`);
  const servers = report.results.filter((result) => result.violations !== null);
  const peak = Math.max(...servers.map((result) => result.load.peakRssMb));
  // One decimal: a peak of 160.3 MB shown as 160 would read as met.
  lines.push(`peak server RSS ${fixed(peak, 1)} MB (goal ≤ ${RSS_LIMIT_MB} MB): ${verdict(peak <= RSS_LIMIT_MB)}`);
  return lines;
}

function floorRate(result: ScenarioResult | undefined): number {
  return result?.load.requestsPerSecond ?? 0;
}

export function reportMarkdown(report: RunReport): string {
  const { machine } = report;
  return [
    '',
    `## ${report.engine}, ${report.startedAt.toISOString()}`,
    '',
    `\`${report.command}\` — ${report.settings.connections} connections, ${report.settings.durationSeconds} s timed runs`,
    '',
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}; ${machine.database}.`,
    '',
    table(report),
    '',
    ...goals(report).map((line) => `- ${line}`),
    '',
  ].join('\n');
}

export function printReport(report: RunReport): void {
  process.stdout.write(`${reportMarkdown(report)}\n`);
}
