import type { AuditEntry } from '../src/domain/audit.js';
import type { BookingView } from '../src/domain/booking.js';
import type { EventView } from '../src/domain/event.js';

/** The admin's view of a running Boxoffice, through its HTTP API only. */
export class BoxofficeApi {
  readonly headers: Record<string, string>;

  constructor(
    readonly url: string,
    adminUser: string,
    adminPassword: string,
  ) {
    this.headers = {
      authorization: `Basic ${Buffer.from(`${adminUser}:${adminPassword}`).toString('base64')}`,
      'content-type': 'application/json',
    };
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: this.headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  openEvent(name: string, totalTickets: number): Promise<EventView> {
    return this.call('POST', '/api/v1/events', { name, totalTickets });
  }

  patchEvent(eventId: string, patch: Record<string, unknown>): Promise<EventView> {
    return this.call('PATCH', `/api/v1/events/${eventId}`, patch);
  }

  /** The first booking in list order with this status, or undefined. */
  async firstBooking(eventId: string, status: BookingView['status']): Promise<BookingView | undefined> {
    const page: { bookings: BookingView[] } = await this.call('GET', `/api/v1/events/${eventId}/bookings?status=${status}&limit=1`);
    return page.bookings[0];
  }

  /** Registers a webhook for every action; its secret is not needed by the bench's receiver. */
  async createWebhook(url: string): Promise<{ id: string }> {
    const created: { webhook: { id: string } } = await this.call('POST', '/api/v1/webhooks', { url });
    return created.webhook;
  }

  async deleteWebhook(id: string): Promise<void> {
    await this.call('DELETE', `/api/v1/webhooks/${id}`);
  }

  event(eventId: string): Promise<EventView> {
    return this.call('GET', `/api/v1/events/${eventId}`);
  }

  /** Every booking of the event in acceptance order (the waiting list in FIFO order). */
  async bookings(eventId: string, status?: BookingView['status']): Promise<BookingView[]> {
    const all: BookingView[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ limit: '200', ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
      const page: { bookings: BookingView[]; nextCursor: string | null } = await this.call(
        'GET',
        `/api/v1/events/${eventId}/bookings?${query.toString()}`,
      );
      all.push(...page.bookings);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  /** The event's whole audit log, oldest first. */
  async audit(eventId: string): Promise<AuditEntry[]> {
    const all: AuditEntry[] = [];
    let after = 0;
    for (;;) {
      const page: { entries: AuditEntry[]; next: number | null } = await this.call(
        'GET',
        `/api/v1/events/${eventId}/audit?after=${after}&limit=200`,
      );
      all.push(...page.entries);
      if (page.next === null) return all;
      after = page.next;
    }
  }
}
