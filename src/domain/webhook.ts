import type { AuditAction } from './audit.js';
import type { BookingView } from './booking.js';
import { DomainError, type FieldError } from './errors.js';
import type { EventView } from './event.js';

export const WEBHOOK_URL_MAX = 2048;

export interface Webhook {
  id: string;
  url: string;
  /** The audit actions it wants; null: every action. */
  actions: AuditAction[] | null;
  createdAt: string;
}

/** A webhook with its signing secret, which leaves the server only in the answer that created it. */
export interface WebhookWithSecret extends Webhook {
  secret: string;
}

/** One attempt to deliver an audit entry on a channel, as GET …/deliveries lists it. */
export interface DeliveryAttempt {
  seq: number;
  action: string;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  at: string;
  nextAttemptAt: string | null;
}

/** What an audit entry tells the world: the booking and the event as the entry left them. */
export interface AnnouncedEntry {
  seq: number;
  eventId: string;
  action: AuditAction;
  userId: string | null;
  at: string;
  booking: BookingView | null;
  event: EventView | null;
}

export interface WebhookPayload {
  type: string;
  seq: number;
  eventId: string;
  at: string;
  data: { booking?: BookingView; event: EventView | null };
}

export function webhookPayload(entry: AnnouncedEntry): WebhookPayload {
  return {
    type: entry.action,
    seq: entry.seq,
    eventId: entry.eventId,
    at: entry.at,
    data: entry.booking ? { booking: entry.booking, event: entry.event } : { event: entry.event },
  };
}

/** Receivers dedupe by it: the same for every attempt of one entry to one webhook. */
export function webhookMessageId(webhookId: string, seq: number): string {
  return `msg_${webhookId}_${seq}`;
}

/** The webhook's URL if it is an absolute http(s) URL; any host is allowed, loopback too (the admin chooses). */
export function webhookUrl(text: string): string {
  const problem = (message: string): DomainError => {
    const errors: FieldError[] = [{ path: '/body/url', message }];
    return new DomainError('VALIDATION_FAILED', `Invalid request: /body/url ${message}.`, { errors });
  };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw problem('must be an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw problem('must use http or https');
  if (url.hostname === '') throw problem('must name a host');
  if (url.href.length > WEBHOOK_URL_MAX) throw problem(`must be at most ${WEBHOOK_URL_MAX} characters`);
  return url.href;
}

/** Whether a webhook wants an entry with this action. */
export function wantsAction(webhook: Pick<Webhook, 'actions'>, action: string): boolean {
  return webhook.actions === null || (webhook.actions as readonly string[]).includes(action);
}
