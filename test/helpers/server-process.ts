import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ADMIN_AUTH, ADMIN_PASSWORD } from './test-app.js';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const LISTENING = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/;

/** A real Boxoffice server in a process of its own, as `npm start` runs it. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** Sends the signal and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnServer(env: Record<string, string | undefined>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', MAIN], {
    // Rate limiting is off unless a test turns it on: load tests come from one address. So is the warm-up,
    // a second of start-up each server in these tests would pay; test/warm-up.test.ts turns it on.
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      ADMIN_PASSWORD,
      RATE_LIMIT_MAX: '0',
      WARM_UP_BOOKINGS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `timeoutMs` bounds the start: a cluster of workers compiling at once on a busy machine needs longer. */
export async function startServer(env: Record<string, string | undefined>, { timeoutMs = 60_000 } = {}): Promise<ServerProcess> {
  const child = spawnServer(env);
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A server that never came up must not outlive its test; SIGTERM, as a cluster primary stops its workers on it.
      child.kill('SIGTERM');
      reject(new Error(`server did not start:\n${output}`));
    }, timeoutMs);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return {
    url,
    child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface JsonAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body exactly as sent, for byte-for-byte comparisons. */
  text: string;
}

/** A request as the admin over a real socket, with extra headers; rejects when the connection fails. */
export function adminRequestRaw(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method,
        agent,
        headers: {
          authorization: ADMIN_AUTH,
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A JSON request as the admin over a real socket. */
export async function adminRequest<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<JsonAnswer<T>> {
  const answer = await adminRequestRaw(base, method, path, { body });
  return { status: answer.status, body: (answer.text ? JSON.parse(answer.text) : {}) as T };
}
