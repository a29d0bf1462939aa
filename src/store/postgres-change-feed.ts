import { createRequire } from 'node:module';
import type pg from 'pg';
import { type ChangeFeed, LocalChangeFeed } from '../services/change-feed.js';

const CHANNEL = 'boxoffice_event_changes';
const RECONNECT_MS = 1_000;
// Loaded when the feed starts (PostgreSQL only): a server on another engine never holds this driver in memory.
const require = createRequire(import.meta.url);
const driver = () => require('pg') as typeof pg;

/** Changes shared by every app process on one PostgreSQL database, through LISTEN/NOTIFY. */
export class PostgresChangeFeed implements ChangeFeed {
  private readonly local = new LocalChangeFeed();
  private readonly notifier: pg.Pool;
  private listener: pg.Client | null = null;
  private closed = false;

  constructor(private readonly url: string) {
    this.notifier = new (driver().Pool)({ connectionString: url, max: 2, connectionTimeoutMillis: 2_000 });
    this.notifier.on('error', () => {});
    void this.listen();
  }

  publish(eventId: string): void {
    this.local.publish(eventId);
    this.notifier.query('select pg_notify($1, $2)', [CHANNEL, eventId]).catch(() => {});
  }

  subscribe(listener: (eventId: string) => void): () => void {
    return this.local.subscribe(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => {});
    await this.notifier.end();
    await this.local.close();
  }

  /** Holds one connection in LISTEN; reconnects after the database comes back. */
  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new (driver().Client)({ connectionString: this.url });
    const retry = () => {
      if (this.listener === client) this.listener = null;
      client.end().catch(() => {});
      if (!this.closed) setTimeout(() => void this.listen(), RECONNECT_MS).unref();
    };
    client.on('error', retry);
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) this.local.deliver(message.payload);
    });
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
      this.listener = client;
      if (this.closed) await client.end();
    } catch {
      retry();
    }
  }
}
