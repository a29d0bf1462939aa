import { type Static, type TSchema, Type } from 'typebox';
import { AUDIT_ACTIONS } from '../domain/audit.js';
import { BOOKING_STATUSES } from '../domain/booking.js';
import { PROBLEM_CODES } from './errors.js';
import { WAITLIST_MODES } from '../domain/event.js';
import { USER_ROLES } from '../domain/user.js';
import {
  DESCRIPTION_MAX,
  EMAIL_PATTERN,
  EVENT_ID_PATTERN,
  EVENT_NAME_MAX,
  HOLD_TTL_MAX_SECONDS,
  OFFER_TTL_MAX_SECONDS,
  QUANTITY_MAX,
  TOTAL_TICKETS_MAX,
  TOTAL_TICKETS_MIN,
  USER_ID_MAX,
  USER_ID_PATTERN,
  VENUE_MAX,
} from '../domain/limits.js';

// One set of schemas: they validate requests, serialise responses and describe the API.

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const OneOf = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });

export const EventId = Type.String({ pattern: EVENT_ID_PATTERN, description: 'Letters, digits, _ and -, 1–64 chars.' });
export const UserId = Type.String({ pattern: USER_ID_PATTERN, maxLength: USER_ID_MAX });
export const UserEmail = Type.String({
  pattern: EMAIL_PATTERN,
  maxLength: USER_ID_MAX,
  description: 'Lower-cased, it becomes the user id.',
});
export const EventName = Type.String({ minLength: 1, maxLength: EVENT_NAME_MAX });
export const Venue = Type.String({ maxLength: VENUE_MAX });
export const StartsAt = Type.String({
  format: 'iso-instant',
  maxLength: 40,
  'x-normalize-instant': true,
  description: 'ISO 8601 date or date-time, a real calendar day; stored with at most millisecond precision and the offset as ±HH:MM.',
});
export const TotalTickets = Type.Integer({ minimum: TOTAL_TICKETS_MIN, maximum: TOTAL_TICKETS_MAX });
const Description = Type.String({ maxLength: DESCRIPTION_MAX, description: 'Plain text.' });
const TimeZone = Type.String({ format: 'time-zone', maxLength: 64, description: 'IANA zone, e.g. Europe/Berlin.' });
const Quantity = Type.Integer({ minimum: 1, maximum: QUANTITY_MAX, description: 'Tickets in the booking.' });
const MaxPerBooking = Type.Integer({ minimum: 1, maximum: QUANTITY_MAX });
const WaitlistMode = OneOf(WAITLIST_MODES);
const OfferTtl = Type.Integer({ minimum: 1, maximum: OFFER_TTL_MAX_SECONDS });
const HoldTtl = Type.Integer({ minimum: 1, maximum: HOLD_TTL_MAX_SECONDS });
const Timestamp = Type.String({ format: 'date-time' });
const Cursor = Type.String({ minLength: 1, maxLength: 512 });
const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50 });

export const Event = Type.Object({
  id: EventId,
  name: Type.String(),
  venue: Nullable(Type.String()),
  description: Nullable(Type.String()),
  startsAt: Nullable(Type.String()),
  timeZone: Type.String(),
  totalTickets: Type.Integer(),
  salesOpen: Type.Boolean(),
  maxPerBooking: Type.Integer(),
  waitlistMode: WaitlistMode,
  offerTtlSeconds: Type.Integer(),
  holdTtlSeconds: Type.Integer(),
  bookedCount: Type.Integer({ description: 'Tickets in confirmed bookings.' }),
  heldCount: Type.Integer({ description: 'Tickets in pending bookings.' }),
  availableTickets: Type.Integer(),
  waitlistCount: Type.Integer({ description: 'Waiting bookings.' }),
  waitlistTickets: Type.Integer({ description: 'Tickets the waiting bookings want.' }),
  checkedInCount: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const Booking = Type.Object({
  id: Type.String(),
  eventId: EventId,
  userId: Type.String(),
  quantity: Type.Integer(),
  hold: Type.Boolean(),
  status: OneOf(BOOKING_STATUSES),
  position: Nullable(Type.Integer({ minimum: 1 })),
  expiresAt: Nullable(Timestamp),
  ticketCode: Nullable(Type.String()),
  checkedInAt: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  confirmedAt: Nullable(Timestamp),
  cancelledAt: Nullable(Timestamp),
});

export const AuditEntry = Type.Object({
  seq: Type.Integer(),
  eventId: EventId,
  action: OneOf(AUDIT_ACTIONS),
  userId: Nullable(Type.String()),
  bookingId: Nullable(Type.String()),
  quantity: Nullable(Type.Integer()),
  actor: Type.String(),
  requestId: Nullable(Type.String()),
  at: Timestamp,
  data: Nullable(Type.Object({}, { additionalProperties: true })),
});

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: OneOf(PROBLEM_CODES),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    booking: Type.Optional(Booking),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details (application/problem+json).' },
);

export const EventParams = Type.Object({ eventId: EventId });
export const BookingParams = Type.Object({ eventId: EventId, userId: UserId });

export const PageQuery = Type.Object({ limit: Limit, cursor: Type.Optional(Cursor) }, { additionalProperties: false });
export const BookingsQuery = Type.Object(
  {
    status: Type.Optional(OneOf(BOOKING_STATUSES)),
    limit: Limit,
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export const AuditQuery = Type.Object(
  { after: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 }), limit: Limit },
  { additionalProperties: false },
);

export const CreateEventBody = Type.Object(
  {
    id: Type.Optional(EventId),
    name: EventName,
    venue: Type.Optional(Nullable(Venue)),
    description: Type.Optional(Nullable(Description)),
    startsAt: Type.Optional(Nullable(StartsAt)),
    timeZone: Type.Optional(TimeZone),
    totalTickets: TotalTickets,
    maxPerBooking: Type.Optional(MaxPerBooking),
    waitlistMode: Type.Optional(WaitlistMode),
    offerTtlSeconds: Type.Optional(OfferTtl),
    holdTtlSeconds: Type.Optional(HoldTtl),
  },
  { additionalProperties: false },
);

export const PatchEventBody = Type.Object(
  {
    name: Type.Optional(EventName),
    venue: Type.Optional(Nullable(Venue)),
    description: Type.Optional(Nullable(Description)),
    startsAt: Type.Optional(Nullable(StartsAt)),
    timeZone: Type.Optional(TimeZone),
    totalTickets: Type.Optional(TotalTickets),
    salesOpen: Type.Optional(Type.Boolean()),
    maxPerBooking: Type.Optional(MaxPerBooking),
    waitlistMode: Type.Optional(WaitlistMode),
    offerTtlSeconds: Type.Optional(OfferTtl),
    holdTtlSeconds: Type.Optional(HoldTtl),
  },
  { additionalProperties: false, minProperties: 1 },
);

const BookingChoice = {
  quantity: Type.Optional(Quantity),
  hold: Type.Optional(Type.Boolean({ description: 'Hold the tickets (pending) until confirmed.' })),
};

export const BookingBody = Type.Object(
  { userId: Type.Optional(UserId), userEmail: Type.Optional(UserEmail), ...BookingChoice },
  { additionalProperties: false },
);

export const ReduceBody = Type.Object({ quantity: Quantity }, { additionalProperties: false });

export const CheckInBody = Type.Object(
  { ticketCode: Type.String({ minLength: 1, maxLength: 64, description: 'As printed; case, spaces and dashes do not matter.' }) },
  { additionalProperties: false },
);

export const InitializeBody = Type.Object(
  {
    name: Type.Optional(EventName),
    eventName: Type.Optional(EventName),
    title: Type.Optional(EventName),
    totalTickets: Type.Optional(TotalTickets),
    tickets: Type.Optional(TotalTickets),
    id: Type.Optional(EventId),
    eventId: Type.Optional(EventId),
    venue: Type.Optional(Nullable(Venue)),
    date: Type.Optional(Nullable(StartsAt)),
  },
  { additionalProperties: false },
);

export const ShortCancelBody = Type.Object(
  { eventId: EventId, userId: Type.Optional(UserId), userEmail: Type.Optional(UserEmail) },
  { additionalProperties: false },
);

export const ShortBookBody = Type.Object(
  { eventId: EventId, userId: Type.Optional(UserId), userEmail: Type.Optional(UserEmail), ...BookingChoice },
  { additionalProperties: false },
);

export const EventStatus = Type.Object({
  eventId: EventId,
  name: Type.String(),
  totalTickets: Type.Integer(),
  availableTickets: Type.Integer(),
  bookedCount: Type.Integer(),
  heldCount: Type.Integer(),
  waitingListCount: Type.Integer(),
  waitlistTickets: Type.Integer(),
});

export const BookingEnvelope = Type.Object({ booking: Booking });
export const ReleaseEnvelope = Type.Object({ booking: Booking, promoted: Nullable(Booking), promotedAll: Type.Array(Booking) });

export type BookingBodyInput = Static<typeof BookingBody>;

export const Password = Type.String({ minLength: 10, maxLength: 1024, description: 'At least 10 characters; never trimmed.' });

export const RegisterBody = Type.Object(
  { email: UserEmail, password: Password, name: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);

export const TokenBody = Type.Object(
  {
    email: Type.Optional(Type.String({ minLength: 1, maxLength: USER_ID_MAX, description: 'E-mail address, or the admin user name.' })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  },
  { additionalProperties: false },
);

export const User = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Nullable(Type.String()),
  role: OneOf(['admin', 'staff', 'user'] as const),
  createdAt: Timestamp,
});

export const TokenGrant = Type.Object({
  token: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Seconds until the token expires.' }),
  userId: Type.String(),
  role: OneOf(['admin', 'staff', 'user'] as const),
});

export const SessionAnswer = Type.Object({
  session: Nullable(
    Type.Object({
      userId: Type.String(),
      role: OneOf(['admin', 'staff', 'user'] as const),
      name: Nullable(Type.String({ description: 'The name given at sign-up.' })),
    }),
  ),
});
export const UserParams = Type.Object({ userId: UserId });
export const RoleBody = Type.Object({ role: OneOf(USER_ROLES) }, { additionalProperties: false });

const WebhookAction = OneOf(AUDIT_ACTIONS);

export const WebhookParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' }) });

export const Webhook = Type.Object({
  id: Type.String(),
  url: Type.String(),
  actions: Nullable(Type.Array(WebhookAction, { description: 'null: every action.' })),
  createdAt: Timestamp,
});

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'An absolute http or https URL; loopback is allowed.' }),
    actions: Type.Optional(
      Type.Array(WebhookAction, { minItems: 1, maxItems: 64, description: 'Only entries with these actions; omitted: every action.' }),
    ),
  },
  { additionalProperties: false },
);

export const CreatedWebhook = Type.Object({
  webhook: Webhook,
  secret: Type.String({ description: 'whsec_ + base64 of the HMAC key; shown in this answer only.' }),
});

export const WebhookEnvelope = Type.Object({ webhook: Webhook });
export const WebhookList = Type.Object({ webhooks: Type.Array(Webhook) });

export const DeliveryAttempt = Type.Object({
  seq: Type.Integer(),
  action: Type.String(),
  attempt: Type.Integer({ minimum: 1 }),
  statusCode: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  durationMs: Type.Integer(),
  at: Timestamp,
  nextAttemptAt: Nullable(Timestamp),
});

export const DeliveryPage = Type.Object({ deliveries: Type.Array(DeliveryAttempt), nextCursor: Nullable(Type.String()) });

export const TestDelivery = Type.Object({
  delivered: Type.Boolean(),
  statusCode: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  durationMs: Type.Integer(),
});
