import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { BookingView } from '../../domain/booking.js';
import type { BookingService, CancelResult } from '../../services/booking-service.js';
import { type AuthOptions, bookingUser, requestedBy, requireAdmin, requireBookingReader } from '../auth.js';
import { answerFor } from '../idempotency.js';
import { namedUser } from '../named-user.js';
import {
  Booking,
  BookingBody,
  BookingEnvelope,
  BookingParams,
  BookingsQuery,
  CancelEnvelope,
  EventParams,
} from '../schemas.js';

export interface BookingRoutesOptions {
  service: BookingService;
  auth: AuthOptions;
}

export const bookingRoutes: FastifyPluginAsyncTypebox<BookingRoutesOptions> = async (app, { service, auth }) => {
  app.post(
    '/events/:eventId/bookings',
    { config: { bookingCommand: true }, schema: { params: EventParams, body: BookingBody, response: { 201: BookingEnvelope } } },
    async (request, reply) => {
      const userId = bookingUser(request.caller, namedUser(request.body ?? {}), auth);
      const answer = answerFor(request, 201, (booking: BookingView) => ({ booking }));
      const booking = await service.book(request.params.eventId, userId, requestedBy(request, request.caller), answer.receipt);
      return answer.send(reply, booking);
    },
  );

  app.get(
    '/events/:eventId/bookings/:userId',
    { schema: { params: BookingParams, response: { 200: BookingEnvelope } } },
    async (request) => {
      requireBookingReader(request.caller, request.params.userId, auth);
      return { booking: await service.getBooking(request.params.eventId, request.params.userId) };
    },
  );

  app.delete(
    '/events/:eventId/bookings/:userId',
    { config: { bookingCommand: true }, schema: { params: BookingParams, response: { 200: CancelEnvelope } } },
    async (request, reply) => {
      const userId = bookingUser(request.caller, request.params.userId, auth);
      const answer = answerFor(request, 200, (result: CancelResult) => result);
      const result = await service.cancel(request.params.eventId, userId, requestedBy(request, request.caller), answer.receipt);
      return answer.send(reply, result);
    },
  );

  app.get(
    '/events/:eventId/bookings',
    {
      schema: {
        params: EventParams,
        querystring: BookingsQuery,
        response: { 200: Type.Object({ bookings: Type.Array(Booking), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => {
      requireAdmin(request.caller);
      const { status = null, ...page } = request.query;
      return service.listBookings(request.params.eventId, status, page);
    },
  );
};
