import type { Generated } from 'kysely';

/** Row shapes as stored; booleans are 0/1 integers and instants ISO-8601 UTC text on every engine. */
export interface EventsTable {
  id: string;
  name: string;
  venue: string | null;
  description: string | null;
  starts_at: string | null;
  time_zone: string;
  total_tickets: number;
  booked_count: number;
  held_count: number;
  waitlist_count: number;
  waitlist_tickets: number;
  checked_in_count: number;
  last_queue_no: number;
  sales_open: number;
  max_per_booking: number;
  waitlist_mode: string;
  offer_ttl_seconds: number;
  hold_ttl_seconds: number;
  created_at: string;
  updated_at: string;
}

export interface BookingsTable {
  id: string;
  event_id: string;
  user_id: string;
  quantity: number;
  hold: number;
  status: string;
  queue_no: number;
  /** 1 while confirmed, pending or waitlisted, NULL once cancelled or expired: unique (event_id, user_id, active) holds I3. */
  active: number | null;
  expires_at: string | null;
  ticket_code: string | null;
  checked_in_at: string | null;
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
  quantity: number | null;
  /** JSON of the booking and event views as the entry left them. */
  snapshot: string | null;
}

export interface UsersTable {
  /** The e-mail address, lower-cased. */
  id: string;
  name: string | null;
  password_hash: string;
  /** 'user' or 'staff'; the admin is not a stored user. */
  role: Generated<string>;
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

export interface WebhooksTable {
  id: string;
  url: string;
  /** JSON array of audit actions; null: every action. */
  actions: string | null;
  /** `whsec_` + base64 of the HMAC key; never logged, never in the audit log. */
  secret: string;
  created_at: string;
  deleted_at: string | null;
}

/** A delivery channel ('webhook:<id>' or 'mail') and the last audit seq handed out to it. */
export interface DeliveryChannelsTable {
  id: string;
  last_seq: number | string;
  created_at: string;
}

/** Seqs the cursor passed that were not yet visible; an open transaction may still commit them. */
export interface DeliveryGapsTable {
  channel_id: string;
  from_seq: number | string;
  to_seq: number | string;
  seen_at: string;
}

export interface DeliveriesTable {
  channel_id: string;
  seq: number | string;
  action: string;
  /** The e-mail address for the mail channel; null for webhooks. */
  recipient: string | null;
  state: string;
  attempts: number;
  created_at: string;
  next_attempt_at: string;
  lease_owner: string | null;
  /** The attempt running under this lease ends (times out) before it; after it, another process may take over. */
  lease_until: string | null;
}

export interface DeliveryAttemptsTable {
  id: Generated<number | string>;
  channel_id: string;
  seq: number | string;
  action: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  at: string;
  next_attempt_at: string | null;
}

export interface BoxofficeSchema {
  events: EventsTable;
  bookings: BookingsTable;
  audit_log: AuditLogTable;
  users: UsersTable;
  idempotency_keys: IdempotencyKeysTable;
  webhooks: WebhooksTable;
  delivery_channels: DeliveryChannelsTable;
  delivery_gaps: DeliveryGapsTable;
  deliveries: DeliveriesTable;
  delivery_attempts: DeliveryAttemptsTable;
}
