import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { BookingService } from '../../services/booking-service.js';
import { unauthorized } from '../auth.js';
import { Booking, PageQuery } from '../schemas.js';

export interface MeRoutesOptions {
  service: BookingService;
}

export const BookedEvent = Type.Object({
  id: Type.String(),
  name: Type.String(),
  startsAt: Type.Union([Type.String(), Type.Null()]),
  timeZone: Type.String(),
});

export const UserBooking = Type.Object({ ...Booking.properties, event: BookedEvent });

/** What is about the caller themselves: their bookings across events. */
export const meRoutes: FastifyPluginAsyncTypebox<MeRoutesOptions> = async (app, { service }) => {
  app.get(
    '/me/bookings',
    {
      schema: {
        querystring: PageQuery,
        response: { 200: Type.Object({ bookings: Type.Array(UserBooking), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request, reply) => {
      const { caller } = request;
      // The admin books for others, never for itself: its list is empty, not an error.
      if (caller.kind === 'admin') return { bookings: [], nextCursor: null };
      if (caller.kind !== 'user') throw unauthorized('Sign in to see your bookings.');
      reply.header('cache-control', 'private, no-store');
      return service.listUserBookings(caller.userId, request.query);
    },
  );
};
