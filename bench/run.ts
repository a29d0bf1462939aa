import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BoxofficeApi } from './api.js';
import { type BenchEngine, createBenchDatabase } from './databases.js';
import {
  FLOOR_SCRIPT,
  type ProcessHandle,
  SERVER_SCRIPT,
  STUBBED_BOOKING,
  type WebhookSinkHandle,
  compile,
  startCommand,
  startProcess,
  startWebhookSink,
} from './processes.js';
import { type Machine, type RunReport, printReport, reportMarkdown, BENCHMARKS_PREAMBLE } from './report.js';
import {
  type ScenarioResult,
  type ScenarioSettings,
  cancelStorm,
  COLD_STARTS,
  KEYED_FLASH,
  coldStart,
  door,
  expiryStorm,
  flashSale,
  groupFlashSale,
  floor,
  soldOutRush,
  spread,
  warmUp,
  webhooks,
  withoutDatabase,
} from './scenarios.js';

const ENGINES: readonly BenchEngine[] = ['sqlite', 'postgres', 'mysql'];
const BENCHMARKS_FILE = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
const ADMIN_USER = 'admin';

/** Scenario names for --only; the floor always runs, as every row is compared with it. */
const SCENARIOS = ['stubbed', 'cold', 'flash', 'keyed', 'rush', 'spread', 'group', 'expiry', 'door', 'webhooks', 'single'] as const;
type ScenarioName = (typeof SCENARIOS)[number];

const USAGE = `npm run bench -- [--engine sqlite|postgres|mysql] [--duration SECONDS] [--connections N] [--only ${SCENARIOS.join(',')}] [--no-record] [--profile DIR]`;

interface Options {
  engine: BenchEngine;
  settings: ScenarioSettings;
  record: boolean;
  only: ReadonlySet<ScenarioName>;
  /** Where each Boxoffice process writes a V8 CPU profile (`node --cpu-prof`), null for none. */
  profileDir: string | null;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      engine: { type: 'string', default: 'sqlite' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '100' },
      'no-record': { type: 'boolean', default: false },
      only: { type: 'string', default: SCENARIOS.join(',') },
      profile: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const engine = values.engine as BenchEngine;
  const durationSeconds = Number(values.duration);
  const connections = Number(values.connections);
  const only = values.only.split(',').map((name) => name.trim());
  const known = (name: string): name is ScenarioName => (SCENARIOS as readonly string[]).includes(name);
  if (!ENGINES.includes(engine) || !(durationSeconds >= 1) || !Number.isInteger(connections) || connections < 1 || !only.every(known)) {
    process.stderr.write(`usage: ${USAGE}\n`);
    process.exit(2);
  }
  return {
    engine,
    settings: { durationSeconds, connections },
    record: !values['no-record'],
    only: new Set(only.filter(known)),
    profileDir: values.profile ?? null,
  };
}

function machine(databaseVersion: string): Machine {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${process.platform} ${release()}`,
    database: databaseVersion,
  };
}

async function main(): Promise<void> {
  const { engine, settings, record, only, profileDir } = options();
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  const startedAt = new Date();
  const step = (label: string) => process.stdout.write(`bench: ${label}\n`);
  step('compiling the server and the floor (tsc)');
  for (const warning of compile()) step(`warning: ${warning}`);
  const adminPassword = randomBytes(18).toString('base64url');
  // As `npm start` runs the server, plus the profiler when asked for.
  const start = startCommand();
  const nodeFlags = [...start.flags, ...(profileDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir])];
  const database = await createBenchDatabase(engine);
  const servers: ProcessHandle[] = [];
  const boxoffice = async (extra: Record<string, string> = {}, preload: string | null = null) => {
    const env = {
      ...start.env,
      DATABASE_URL: database.url,
      ADMIN_USER,
      ADMIN_PASSWORD: adminPassword,
      // Logging each request is a cost of its own; warn keeps errors and outages visible.
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '0',
      WORKERS: '1',
      ...extra,
    };
    const server = await startProcess(SERVER_SCRIPT, env, { preload, nodeFlags });
    servers.push(server);
    return { api: new BoxofficeApi(server.url, ADMIN_USER, adminPassword), server };
  };
  const results: ScenarioResult[] = [];
  let sink: WebhookSinkHandle | null = null;
  let cleanedUp: Promise<void> | null = null;
  const cleanUp = () => {
    cleanedUp ??= Promise.all([...servers.map((server) => server.stop()), sink?.stop()]).then(() => database.drop());
    return cleanedUp;
  };
  // Ctrl-C still stops the servers and drops the bench's database.
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));
  try {
    step('floor: bare Fastify');
    const floorServer = await startProcess(FLOOR_SCRIPT, {});
    servers.push(floorServer);
    const headers = new BoxofficeApi(floorServer.url, ADMIN_USER, adminPassword).headers;
    results.push(await floor(floorServer, headers, settings));
    await floorServer.stop();

    if (only.has('stubbed')) {
      step('Boxoffice without the database');
      const stubbed = await boxoffice({}, STUBBED_BOOKING);
      results.push(await withoutDatabase(stubbed, settings));
      await stubbed.server.stop();
    }

    if (only.has('cold')) {
      step(`0. cold start: ${COLD_STARTS} fresh Boxoffices on ${engine} in turn, none warmed up by the bench`);
      results.push(await coldStart(() => boxoffice(), settings));
    }

    step(`Boxoffice on ${engine}, group commit (BATCH_MAX_SIZE default)`);
    const batched = await boxoffice();
    await warmUp(batched, settings);
    const run = async (name: ScenarioName, label: string, scenario: () => Promise<ScenarioResult>) => {
      if (!only.has(name)) return;
      step(label);
      results.push(await scenario());
    };
    await run('flash', '1. flash sale', () => flashSale(batched, settings, 'flash sale'));
    await run('keyed', '1b. flash sale, every booking with an Idempotency-Key as the page sends', () =>
      flashSale(batched, settings, KEYED_FLASH, true),
    );
    await run('rush', '2. sold-out rush, 3. cancel storm', async () => {
      const rush = await soldOutRush(batched, settings);
      results.push(rush.result);
      return cancelStorm(batched, settings, rush);
    });
    await run('spread', '4. spread', () => spread(batched, settings));
    await run('group', '6. group flash sale', () => groupFlashSale(batched, settings));
    await run('expiry', '7. expiry storm', () => expiryStorm(batched, settings));
    await run('door', '8. door', () => door(batched, settings));
    await batched.server.stop();

    if (only.has('webhooks')) {
      step(`9. webhooks: Boxoffice on ${engine} with a receiver on 127.0.0.1`);
      sink = await startWebhookSink();
      // A server of its own: no earlier scenario's entries are waiting, no webhook is registered yet.
      const delivering = await boxoffice();
      await warmUp(delivering, settings);
      results.push(...(await webhooks(delivering, settings, sink)));
      await delivering.server.stop();
    }

    if (only.has('single')) {
      step(`Boxoffice on ${engine}, one transaction per request (BATCH_MAX_SIZE=1)`);
      const single = await boxoffice({ BATCH_MAX_SIZE: '1' });
      await warmUp(single, settings);
      step('1. flash sale, BATCH_MAX_SIZE=1');
      results.push(await flashSale(single, settings, 'flash sale, BATCH_MAX_SIZE=1'));
      await single.server.stop();
    }
  } finally {
    await cleanUp();
  }

  const report: RunReport = { command, engine, startedAt, settings, machine: machine(database.version), results };
  printReport(report);
  if (record) {
    if (!existsSync(BENCHMARKS_FILE)) writeFileSync(BENCHMARKS_FILE, BENCHMARKS_PREAMBLE);
    appendFileSync(BENCHMARKS_FILE, reportMarkdown(report));
    process.stdout.write(`bench: appended to ${BENCHMARKS_FILE}\n`);
  }
  const violated = results.some((result) => (result.violations?.length ?? 0) > 0);
  process.exitCode = violated ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
