import type { Generated } from 'kysely';

/** Row shapes as stored; booleans are 0/1 integers and instants ISO-8601 UTC text on every engine. */
export interface EventsTable {
  id: string;
  name: string;
  venue: string | null;
  starts_at: string | null;
  total_tickets: number;
  booked_count: number;
  waitlist_count: number;
  last_queue_no: number;
  sales_open: number;
  created_at: string;
  updated_at: string;
}

export interface BookingsTable {
  id: string;
  event_id: string;
  user_id: string;
  status: string;
  queue_no: number;
  /** 1 while confirmed or waitlisted, NULL once cancelled: unique (event_id, user_id, active) holds I3. */
  active: number | null;
  created_at: string;
  updated_at: string;
  confirmed_at: string | null;
  cancelled_at: string | null;
}

export interface AuditLogTable {
  seq: Generated<number | string>;
  event_id: string;
  action: string;
  user_id: string | null;
  booking_id: string | null;
  actor: string;
  request_id: string | null;
  at: string;
  data: string | null;
}

export interface UsersTable {
  /** The e-mail address, lower-cased. */
  id: string;
  name: string | null;
  password_hash: string;
  created_at: string;
}

export interface IdempotencyKeysTable {
  /** Whose key it is: 'admin', 'user:<id>' or 'public'. */
  scope: string;
  idempotency_key: string;
  request_hash: string;
  state: string;
  status_code: number | null;
  response_body: string | null;
  created_at: string;
  /** A pending claim older than this was abandoned (its process died): another request may take it over. */
  lease_until: string;
  expires_at: string;
  /** Which claim holds the key: only its holder may renew, answer or release it. */
  claim_token: string | null;
}

export interface BoxofficeSchema {
  events: EventsTable;
  bookings: BookingsTable;
  audit_log: AuditLogTable;
  users: UsersTable;
  idempotency_keys: IdempotencyKeysTable;
}
