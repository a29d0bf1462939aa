import type { DatabaseConfig, DeliverySettings } from './config.js';
import type { ChangeFeed } from './services/change-feed.js';
import type { Clock } from './services/clock.js';
import { DeliveryEngine } from './services/delivery-engine.js';
import { MailSender } from './services/mail-sender.js';
import { WebhookSender } from './services/webhook-sender.js';
import { ThreadedWebhookSender } from './services/webhook-sender-thread.js';
import { WebhookService } from './services/webhook-service.js';
import { type Database, openDatabase } from './store/db.js';
import { DeliveryRepository } from './store/delivery-repository.js';

/** Connections of the delivery engine's own pool: claims, hand-outs and records are short. */
const DELIVERY_POOL_SIZE = 4;
/** Attempts handed to the senders at once: many, since a result reaches the engine only on its next turn of a busy event loop. */
const CONCURRENCY = 128;
/** Of those, webhook requests under way at once (the rest wait their turn in the sending thread). */
const WEBHOOK_SOCKETS = 32;

export interface Deliveries {
  engine: DeliveryEngine;
  webhooks: WebhookService;
  /** Starts delivering in the background, woken by the change feed. */
  start(feed: ChangeFeed | null): void;
  close(): Promise<void>;
}

export interface DeliveryWiring {
  clock?: Clock;
  random?: () => number;
  pollMs?: number;
  log?: { warn(object: object, message: string): void };
}

/** The outbox's engine and admin service, on a database pool of their own (SQLite: the one connection). */
export function openDeliveries(
  database: DatabaseConfig,
  shared: Database,
  settings: DeliverySettings,
  wiring: DeliveryWiring = {},
): Deliveries {
  const opened = shared.dialect.oneConnection ? shared : openDatabase({ ...database, poolSize: DELIVERY_POOL_SIZE });
  const repository = new DeliveryRepository(opened);
  // The engine posts from a thread of its own; the admin's test sends, one at a time, from here.
  const threaded = new ThreadedWebhookSender({ timeoutMs: settings.timeoutMs, maxSockets: WEBHOOK_SOCKETS });
  const poster = new WebhookSender(settings.timeoutMs, 1);
  const mailer = settings.mail ? new MailSender({ ...settings.mail, timeoutMs: settings.timeoutMs, maxConnections: 5 }) : null;
  const domain = /@([^@>\s]+)>?$/.exec(settings.mail?.from ?? '')?.[1] ?? 'boxoffice.invalid';
  const engine = new DeliveryEngine(repository, threaded, {
    timeoutMs: settings.timeoutMs,
    retryForMs: settings.retryForMs,
    concurrency: CONCURRENCY,
    mail: mailer ? { mailer, publicUrl: settings.publicUrl, domain } : null,
    ...(wiring.clock ? { clock: wiring.clock } : {}),
    ...(wiring.random ? { random: wiring.random } : {}),
    ...(wiring.pollMs ? { pollMs: wiring.pollMs } : {}),
    ...(wiring.log ? { log: wiring.log } : {}),
  });
  return {
    engine,
    webhooks: new WebhookService(repository, poster, wiring.clock),
    start: (feed) => engine.start(feed),
    close: async () => {
      await engine.stop();
      poster.close();
      await threaded.close();
      mailer?.close();
      if (opened !== shared) await opened.close();
    },
  };
}
