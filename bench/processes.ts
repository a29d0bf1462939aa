import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/** The compiled server and floor, as `npm start` runs the server: no TypeScript loader in the measured processes. */
export const SERVER_SCRIPT = 'dist/main.js';
export const FLOOR_SCRIPT = 'dist/bench/floor-server.js';
export const STUBBED_BOOKING = 'dist/bench/stubbed-booking.js';
export const WEBHOOK_SINK = 'dist/bench/webhook-sink.js';

function tsc(args: readonly string[]): { ok: boolean; output: string } {
  const result = spawnSync(process.execPath, [TSC, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

/** Compiles the server (tsconfig.build.json) and the floor into dist/; the bench measures what tsc emitted. */
export function compile(): string[] {
  const warnings: string[] = [];
  const server = tsc(['-p', 'tsconfig.build.json']);
  if (!server.ok) warnings.push(`tsc -p tsconfig.build.json reported errors:\n${server.output.split('\n').slice(0, 5).join('\n')}`);
  const floor = tsc([
    'bench/floor-server.ts',
    'bench/stubbed-booking.ts',
    'bench/webhook-sink.ts',
    ...['--outDir', 'dist/bench', '--rootDir', 'bench', '--module', 'nodenext', '--moduleResolution', 'nodenext'],
    ...['--target', 'es2023', '--skipLibCheck', '--types', 'node'],
  ]);
  if (!floor.ok) throw new Error(`the floor server did not compile:\n${floor.output}`);
  for (const script of [SERVER_SCRIPT, FLOOR_SCRIPT, STUBBED_BOOKING, WEBHOOK_SINK]) {
    if (!existsSync(join(ROOT, script))) throw new Error(`${script} was not built`);
  }
  return warnings;
}
const START_TIMEOUT_MS = 30_000;
const RSS_SAMPLE_MS = 200;

/** A server the bench started in a process of its own, listening on 127.0.0.1. */
export interface ProcessHandle {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A port nobody listens on right now, for a server process about to start. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port on 127.0.0.1');
  return address.port;
}

async function waitUntilHealthy(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`server did not answer /healthz within ${START_TIMEOUT_MS} ms:\n${output()}`);
}

/**
 * How `npm start` runs the server (package.json's start script): the variables it sets before `node` and
 * the flags it gives node before dist/main.js, so the bench runs the server as a user does.
 */
export interface StartCommand {
  env: Record<string, string>;
  flags: string[];
}

export function startCommand(): StartCommand {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const match = /((?:\b[A-Z_]+=\S+ )*)node((?: --?[\w-]+(?:=\S+)?)*) dist\/main\.js/.exec(scripts['start'] ?? '');
  if (!match) throw new Error('package.json: the start script does not run `node … dist/main.js`');
  const words = (text: string | undefined) => (text ?? '').trim().split(' ').filter(Boolean);
  const env = Object.fromEntries(words(match[1]).map((assignment) => assignment.split('=', 2) as [string, string]));
  return { env, flags: words(match[2]) };
}

export interface StartOptions {
  /** A module to --import before the script. */
  preload?: string | null;
  /** Flags for node itself, before the script. */
  nodeFlags?: readonly string[];
}

/** Starts `node [flags] [--import preload] <script>` (compiled JavaScript) from the repository root with `env` added. */
export async function startProcess(script: string, env: Record<string, string>, options: StartOptions = {}): Promise<ProcessHandle> {
  const port = await freePort();
  const preload = options.preload ? ['--import', `./${options.preload}`] : [];
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...preload, script], {
    cwd: ROOT,
    env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilHealthy(url, child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) the process has used so far, in ms; Linux only (/proc), 0 elsewhere. */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks (100 Hz).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Runs `work` while sampling the server's resident memory; the highest sample is its peak. */
export async function peakRssWhile<T>(server: ProcessHandle, work: () => Promise<T>): Promise<{ result: T; peakRssMb: number }> {
  let peak = rssMb(server.child.pid);
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(server.child.pid));
  }, RSS_SAMPLE_MS);
  try {
    const result = await work();
    peak = Math.max(peak, rssMb(server.child.pid));
    return { result, peakRssMb: peak };
  } finally {
    clearInterval(sampler);
  }
}

/** A webhook's first arrival at the bench's receiver. */
export interface WebhookArrival {
  seq: number;
  /** The audit entry's time, Unix ms. */
  at: number;
  arrivedAt: number;
}

/** The bench's webhook receiver (bench/webhook-sink.ts) in its own process, driven over IPC. */
export interface WebhookSinkHandle {
  /** Listens on 127.0.0.1 (again); 0 picks a port. Resolves with the port. */
  listen(port: number): Promise<number>;
  /** Stops listening and drops its connections: every attempt is refused until `listen`. */
  close(): Promise<void>;
  /** From now on `count` counts these seqs. */
  await(seqs: readonly number[]): Promise<void>;
  /** How many of the awaited seqs arrived so far. */
  count(): Promise<number>;
  report(): Promise<{ requests: number; arrivals: WebhookArrival[] }>;
  stop(): Promise<void>;
}

export async function startWebhookSink(): Promise<WebhookSinkHandle> {
  const child = spawn(process.execPath, [WEBHOOK_SINK], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>(key: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: Record<string, unknown>) => {
        if (!(key in message)) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message[key] as T);
      };
      const onExit = () => reject(new Error(`the webhook sink exited while the bench waited for "${key}"`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  await next('ready');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    listen: (port) => {
      const answer = next<number>('listening');
      child.send({ listen: port });
      return answer;
    },
    close: async () => {
      const answer = next<boolean>('closed');
      child.send({ close: true });
      await answer;
    },
    await: async (seqs) => {
      const answer = next<number>('awaiting');
      child.send({ awaited: seqs });
      await answer;
    },
    count: () => {
      const answer = next<number>('count');
      child.send({ count: true });
      return answer;
    },
    report: async () => {
      const answer = Promise.all([next<number>('requests'), next<Array<[number, number, number]>>('arrivals')]);
      child.send({ report: true });
      const [requests, arrivals] = await answer;
      return { requests, arrivals: arrivals.map(([seq, at, arrivedAt]) => ({ seq, at, arrivedAt })) };
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
