import { randomBytes } from 'node:crypto';
import type { AuditAction } from '../domain/audit.js';
import { DomainError } from '../domain/errors.js';
import { type DeliveryAttempt, type Webhook, type WebhookWithSecret, webhookUrl } from '../domain/webhook.js';
import { type Clock, isoAt, systemClock } from './clock.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { Receipt } from './idempotency.js';
import { type WebhookPoster, webhookChannel } from './delivery-engine.js';
import type { WebhookStore } from './delivery-ports.js';
import { newWebhookSecret } from './webhook-sender.js';

export interface TestDelivery {
  delivered: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

interface AttemptCursor {
  before: number;
}

function isAttemptCursor(value: unknown): value is AttemptCursor {
  return typeof value === 'object' && value !== null && Number.isSafeInteger((value as AttemptCursor).before);
}

function notFound(id: string): DomainError {
  return new DomainError('WEBHOOK_NOT_FOUND', `There is no webhook with id "${id}".`);
}

/** The admin's use-cases for webhooks: register (secret shown once), list, delete, read deliveries, send a test. */
export class WebhookService {
  constructor(
    private readonly store: WebhookStore,
    private readonly poster: WebhookPoster,
    private readonly clock: Clock = systemClock,
  ) {}

  async create(
    input: { url: string; actions?: AuditAction[] | undefined },
    receipt?: Receipt<WebhookWithSecret>,
  ): Promise<WebhookWithSecret> {
    const webhook: WebhookWithSecret = {
      id: `wh_${randomBytes(12).toString('hex')}`,
      url: webhookUrl(input.url),
      actions: input.actions ? [...new Set(input.actions)] : null,
      createdAt: isoAt(this.clock()),
      secret: newWebhookSecret(),
    };
    await this.store.create(webhook, webhookChannel(webhook.id), receipt?.keep(webhook));
    return webhook;
  }

  list(): Promise<Webhook[]> {
    return this.store.list();
  }

  async delete(id: string, receipt?: Receipt<Webhook>): Promise<Webhook> {
    const deleted = await this.store.delete(id, webhookChannel(id), isoAt(this.clock()), receipt && ((webhook) => receipt.keep(webhook)));
    if (!deleted) throw notFound(id);
    return deleted;
  }

  async deliveries(
    id: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<{ deliveries: DeliveryAttempt[]; nextCursor: string | null }> {
    const webhook = await this.store.findWebhook(id);
    if (!webhook || webhook.deleted) throw notFound(id);
    const before = page.cursor ? decodeCursor(page.cursor, isAttemptCursor).before : null;
    const rows = await this.store.attempts(webhookChannel(id), before, page.limit + 1);
    const shown = rows.slice(0, page.limit);
    const last = shown.at(-1);
    return {
      deliveries: shown.map(({ id: _id, ...attempt }) => attempt),
      nextCursor: rows.length > page.limit && last ? encodeCursor({ before: last.id }) : null,
    };
  }

  /** Sends a signed `webhook.test` message now, outside the outbox, and answers how the receiver took it. */
  async sendTest(id: string, receipt?: Receipt<TestDelivery>): Promise<TestDelivery> {
    const webhook = await this.store.findWebhook(id);
    if (!webhook || webhook.deleted) throw notFound(id);
    const started = this.clock();
    const at = isoAt(started);
    const result = await this.poster.post({
      url: webhook.url,
      messageId: `msg_test_${randomBytes(8).toString('hex')}`,
      timestamp: Math.floor(started / 1000),
      body: JSON.stringify({ type: 'webhook.test', seq: 0, eventId: null, at, data: {} }),
      secret: webhook.secret,
    });
    const { delivered, statusCode, error } = result;
    const delivery = { delivered, statusCode, error, durationMs: Math.max(0, this.clock() - started) };
    if (receipt) await this.store.keepAnswer(receipt.keep(delivery));
    return delivery;
  }
}
