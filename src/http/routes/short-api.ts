import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError } from '../../domain/errors.js';
import type { BookingView } from '../../domain/booking.js';
import type { EventView } from '../../domain/event.js';
import type { BookingService } from '../../services/booking-service.js';
import { type AuthOptions, bookingUser, requestedBy, requireAdmin, requireBookingReader } from '../auth.js';
import { asIs, replyOnce } from '../idempotency-key.js';
import { namedUser } from '../named-user.js';
import { releaseFor } from '../ticket-visibility.js';
import {
  BookingEnvelope,
  BookingParams,
  Booking,
  Event,
  EventParams,
  EventStatus,
  InitializeBody,
  ReleaseEnvelope,
  ShortBookBody,
  ShortCancelBody,
} from '../schemas.js';

export interface ShortApiOptions {
  service: BookingService;
  auth: AuthOptions;
}

/** What the short API calls the status a booking command gave. */
const SHORT_STATUS = { confirmed: 'booked', pending: 'held', waitlisted: 'waitlisted' } as const;

function shortStatus(booking: BookingView): (typeof SHORT_STATUS)[keyof typeof SHORT_STATUS] {
  const status = booking.status;
  if (status === 'confirmed' || status === 'pending' || status === 'waitlisted') return SHORT_STATUS[status];
  throw new Error(`a booking command left booking ${booking.id} ${status}`);
}

/** The one value among synonymous fields; giving two of them is ambiguous. */
function oneOf<T>(body: Record<string, unknown>, fields: readonly string[], required: boolean): T | undefined {
  const given = fields.filter((field) => body[field] !== undefined);
  if (given.length > 1 || (required && given.length === 0)) {
    const path = `/body/${given[1] ?? fields[0]}`;
    throw new DomainError('VALIDATION_FAILED', `Give exactly one of ${fields.join(', ')}.`, {
      errors: [{ path, message: `give exactly one of ${fields.join(', ')}` }],
    });
  }
  return given[0] === undefined ? undefined : (body[given[0]] as T);
}

/** The four calls booking assessments name, mapped onto the same service calls as /api/v1. */
export const shortApiRoutes: FastifyPluginAsyncTypebox<ShortApiOptions> = async (app, { service, auth }) => {
  app.post('/initialize', { schema: { body: InitializeBody, response: { 201: Event } } }, async (request, reply) =>
    replyOnce(request, reply, 201, asIs<EventView>, async (receipt) => {
      requireAdmin(request.caller);
      const body = request.body;
      const input = {
        id: oneOf<string>(body, ['id', 'eventId'], false),
        name: oneOf<string>(body, ['name', 'eventName', 'title'], true) as string,
        totalTickets: oneOf<number>(body, ['totalTickets', 'tickets'], true) as number,
        venue: body.venue ?? null,
        startsAt: body.date ?? null,
      };
      return service.openEvent(input, requestedBy(request, request.caller), receipt);
    }),
  );

  app.post(
    '/book',
    {
      config: { bookingCommand: true },
      schema: {
        body: ShortBookBody,
        response: {
          201: Type.Object({
            status: Type.Union([Type.Literal('booked'), Type.Literal('held'), Type.Literal('waitlisted')]),
            booking: Booking,
          }),
        },
      },
    },
    async (request, reply) =>
      replyOnce(
        request,
        reply,
        201,
        (booking: BookingView) => ({ status: shortStatus(booking), booking }),
        async (receipt) => {
          const userId = bookingUser(request.caller, namedUser(request.body), auth);
          const choice = { quantity: request.body.quantity ?? 1, hold: request.body.hold ?? false };
          return service.book(request.body.eventId, userId, choice, requestedBy(request, request.caller), receipt);
        },
      ),
  );

  app.post(
    '/cancel',
    { config: { bookingCommand: true }, schema: { body: ShortCancelBody, response: { 200: ReleaseEnvelope } } },
    async (request, reply) =>
      replyOnce(request, reply, 200, releaseFor, async (receipt) => {
        const userId = bookingUser(request.caller, namedUser(request.body), auth);
        return service.cancel(request.body.eventId, userId, requestedBy(request, request.caller), receipt);
      }),
  );

  app.get('/status/:eventId', { schema: { params: EventParams, response: { 200: EventStatus } } }, async (request) => {
    const event = await service.getEvent(request.params.eventId);
    return {
      eventId: event.id,
      name: event.name,
      totalTickets: event.totalTickets,
      availableTickets: event.availableTickets,
      bookedCount: event.bookedCount,
      heldCount: event.heldCount,
      waitingListCount: event.waitlistCount,
      waitlistTickets: event.waitlistTickets,
    };
  });

  app.get('/status/:eventId/:userId', { schema: { params: BookingParams, response: { 200: BookingEnvelope } } }, async (request) => {
    requireBookingReader(request.caller, request.params.userId, auth);
    return { booking: await service.getBooking(request.params.eventId, request.params.userId) };
  });
};
