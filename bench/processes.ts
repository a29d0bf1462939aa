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
    ...['--outDir', 'dist/bench', '--rootDir', 'bench', '--module', 'nodenext', '--moduleResolution', 'nodenext'],
    ...['--target', 'es2023', '--skipLibCheck', '--types', 'node'],
  ]);
  if (!floor.ok) throw new Error(`the floor server did not compile:\n${floor.output}`);
  for (const script of [SERVER_SCRIPT, FLOOR_SCRIPT, STUBBED_BOOKING]) {
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

/** Starts `node [--import preload] <script>` (compiled JavaScript) from the repository root with `env` added. */
export async function startProcess(script: string, env: Record<string, string>, preload: string | null = null): Promise<ProcessHandle> {
  const port = await freePort();
  const child = spawn(process.execPath, [...(preload ? ['--import', `./${preload}`] : []), script], {
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
