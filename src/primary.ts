import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from './config.js';
import { CLUSTER_METRICS } from './http/metrics.js';

const RESTART_DELAY_MS = 1_000;
const SHUTDOWN_GRACE_MS = 15_000;

/**
 * The cluster primary for WORKERS > 1: it serves nothing itself, keeps `workers` app processes
 * alive on one shared port, and on SIGTERM/SIGINT lets each finish its requests before exiting.
 */
export function runPrimary(config: Readonly<Config>, log: Logger): void {
  let stopping = false;
  // Every worker must accept the same admin password and tokens, also generated ones.
  const env = { ADMIN_PASSWORD: config.adminPassword, AUTH_SECRET: config.authSecret };
  const fork = (): Worker => cluster.fork(env);

  // A worker serving GET /metrics asks here for every worker's metrics, summed (or as each metric says).
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: { type?: unknown; id?: unknown }) => {
    if (message?.type !== CLUSTER_METRICS.request) return;
    const answer = (reply: { text?: string; error?: string }) => {
      if (worker.isConnected()) worker.send({ type: CLUSTER_METRICS.answer, id: message.id, ...reply });
    };
    aggregator.clusterMetrics().then(
      (text) => answer({ text }),
      (error: unknown) => answer({ error: String(error) }),
    );
  });

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    log.error({ pid: worker.process.pid, code, signal }, 'worker died; starting a new one');
    setTimeout(fork, RESTART_DELAY_MS).unref();
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    setTimeout(() => {
      log.error('workers did not stop in time');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  log.info({ workers: config.workers }, 'starting workers');
  for (let i = 0; i < config.workers; i++) fork();
}
