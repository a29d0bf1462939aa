import { expect } from 'vitest';
import type { AuditEntry } from '../../src/domain/audit.js';
import type { BookingView } from '../../src/domain/booking.js';
import type { EventView } from '../../src/domain/event.js';
import type { TestDatabase, TestEngine } from './engines.js';
import { adminRequest } from './server-process.js';

// For the expiry files that run on real seconds: they check the sweeper of real server processes, which
// no test clock reaches. vitest.config.ts runs them after every other file, so no neighbour's load
// stretches the deadlines they measure.

/** SPEC rule 5: a lapsed booking expires within 5 s, with no request needed. */
export const EXPIRY_BOUND_MS = 5_000;

export const sleepUntil = (instant: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, instant - Date.now())));

export function databaseUrl(engine: TestEngine, database: TestDatabase): string {
  return engine.name === 'sqlite' ? `sqlite:${database.config.location}` : database.config.location;
}

export async function auditOf(base: string, eventId: string): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let after = 0;
  for (;;) {
    const page = await adminRequest<{ entries: AuditEntry[]; next: number | null }>(
      base,
      'GET',
      `/api/v1/events/${eventId}/audit?after=${after}&limit=200`,
    );
    entries.push(...page.body.entries);
    if (page.body.next === null) return entries;
    after = page.body.next;
  }
}

export async function bookingOf(base: string, eventId: string, userId: string): Promise<BookingView> {
  return (await adminRequest<{ booking: BookingView }>(base, 'GET', `/api/v1/events/${eventId}/bookings/${userId}`)).body.booking;
}

export async function openEvent(base: string, fields: Record<string, unknown>): Promise<EventView> {
  const created = await adminRequest<EventView>(base, 'POST', '/api/v1/events', { name: 'Expiry', ...fields });
  expect(created.status).toBe(201);
  return created.body;
}

export async function bookVia(base: string, eventId: string, payload: Record<string, unknown>): Promise<BookingView> {
  const answer = await adminRequest<{ booking: BookingView }>(base, 'POST', `/api/v1/events/${eventId}/bookings`, payload);
  expect(answer.status).toBe(201);
  return answer.body.booking;
}
