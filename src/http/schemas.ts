import { type Static, type TSchema, Type } from 'typebox';
import { AUDIT_ACTIONS } from '../domain/audit.js';
import { BOOKING_STATUSES } from '../domain/booking.js';
import { ERROR_CODES } from '../domain/errors.js';
import {
  EMAIL_PATTERN,
  EVENT_ID_PATTERN,
  EVENT_NAME_MAX,
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
export const UserEmail = Type.String({ pattern: EMAIL_PATTERN, maxLength: USER_ID_MAX, description: 'Lower-cased, it becomes the user id.' });
export const EventName = Type.String({ minLength: 1, maxLength: EVENT_NAME_MAX });
export const Venue = Type.String({ maxLength: VENUE_MAX });
export const StartsAt = Type.String({ format: 'iso-instant', maxLength: 40, description: 'ISO 8601 date or date-time.' });
export const TotalTickets = Type.Integer({ minimum: TOTAL_TICKETS_MIN, maximum: TOTAL_TICKETS_MAX });
const Timestamp = Type.String({ format: 'date-time' });
const Cursor = Type.String({ minLength: 1, maxLength: 512 });
const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50 });

export const Event = Type.Object({
  id: EventId,
  name: Type.String(),
  venue: Nullable(Type.String()),
  startsAt: Nullable(Type.String()),
  totalTickets: Type.Integer(),
  salesOpen: Type.Boolean(),
  bookedCount: Type.Integer(),
  availableTickets: Type.Integer(),
  waitlistCount: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const Booking = Type.Object({
  id: Type.String(),
  eventId: EventId,
  userId: Type.String(),
  status: OneOf(BOOKING_STATUSES),
  position: Nullable(Type.Integer({ minimum: 1 })),
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
    code: OneOf(ERROR_CODES),
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
  { after: Type.Integer({ minimum: 0, default: 0 }), limit: Limit },
  { additionalProperties: false },
);

export const CreateEventBody = Type.Object(
  {
    id: Type.Optional(EventId),
    name: EventName,
    venue: Type.Optional(Nullable(Venue)),
    startsAt: Type.Optional(Nullable(StartsAt)),
    totalTickets: TotalTickets,
  },
  { additionalProperties: false },
);

export const PatchEventBody = Type.Object(
  {
    name: Type.Optional(EventName),
    venue: Type.Optional(Nullable(Venue)),
    startsAt: Type.Optional(Nullable(StartsAt)),
    totalTickets: Type.Optional(TotalTickets),
    salesOpen: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const BookingBody = Type.Object(
  { userId: Type.Optional(UserId), userEmail: Type.Optional(UserEmail) },
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

export const ShortBookingBody = Type.Object(
  { eventId: EventId, userId: Type.Optional(UserId), userEmail: Type.Optional(UserEmail) },
  { additionalProperties: false },
);

export const EventStatus = Type.Object({
  eventId: EventId,
  name: Type.String(),
  totalTickets: Type.Integer(),
  availableTickets: Type.Integer(),
  bookedCount: Type.Integer(),
  waitingListCount: Type.Integer(),
});

export const BookingEnvelope = Type.Object({ booking: Booking });
export const CancelEnvelope = Type.Object({ booking: Booking, promoted: Nullable(Booking) });

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
  role: OneOf(['admin', 'user'] as const),
  createdAt: Timestamp,
});

export const TokenGrant = Type.Object({
  token: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Seconds until the token expires.' }),
  userId: Type.String(),
  role: OneOf(['admin', 'user'] as const),
});

export const SessionAnswer = Type.Object({
  session: Nullable(
    Type.Object({
      userId: Type.String(),
      role: OneOf(['admin', 'user'] as const),
      name: Nullable(Type.String({ description: 'The name given at sign-up.' })),
    }),
  ),
});
