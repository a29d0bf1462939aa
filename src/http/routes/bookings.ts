import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { BookingView } from '../../domain/booking.js';
import type { BookingService } from '../../services/booking-service.js';
import { type AuthOptions, bookingUser, requestedBy, requireBookingReader, requireStaff } from '../auth.js';
import { csvRecord } from '../csv.js';
import { replyOnce } from '../idempotency-key.js';
import { namedUser } from '../named-user.js';
import { releaseFor } from '../ticket-visibility.js';
import {
  Booking,
  BookingBody,
  BookingEnvelope,
  BookingParams,
  BookingsQuery,
  CheckInBody,
  EventParams,
  ReduceBody,
  ReleaseEnvelope,
} from '../schemas.js';

export interface BookingRoutesOptions {
  service: BookingService;
  auth: AuthOptions;
}

const CSV_COLUMNS = ['userId', 'quantity', 'status', 'position', 'ticketCode', 'checkedInAt', 'createdAt'] as const;

/** text/csv named before (or without) JSON in the Accept header. */
function wantsCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((part) => part.split(';')[0]?.trim().toLowerCase());
  const csv = types.indexOf('text/csv');
  const json = types.indexOf('application/json');
  return csv >= 0 && (json < 0 || csv < json);
}

async function* attendeeCsv(first: IteratorResult<BookingView>, rest: AsyncIterable<BookingView>): AsyncIterable<string> {
  yield csvRecord(CSV_COLUMNS);
  if (first.done) return;
  const row = (booking: BookingView) => csvRecord(CSV_COLUMNS.map((column) => booking[column]));
  yield row(first.value);
  for await (const booking of rest) yield row(booking);
}

function sendCsv(reply: FastifyReply, filename: string, lines: AsyncIterable<string>): FastifyReply {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(Readable.from(lines));
}

const bookingEnvelope = (booking: BookingView) => ({ booking });

export const bookingRoutes: FastifyPluginAsyncTypebox<BookingRoutesOptions> = async (app, { service, auth }) => {
  app.post(
    '/events/:eventId/bookings',
    { config: { bookingCommand: true }, schema: { params: EventParams, body: BookingBody, response: { 201: BookingEnvelope } } },
    async (request, reply) =>
      replyOnce(request, reply, 201, bookingEnvelope, async (receipt) => {
        const body = request.body ?? {};
        const userId = bookingUser(request.caller, namedUser(body), auth);
        const choice = { quantity: body.quantity ?? 1, hold: body.hold ?? false };
        return service.book(request.params.eventId, userId, choice, requestedBy(request, request.caller), receipt);
      }),
  );

  app.post(
    '/events/:eventId/bookings/:userId/confirm',
    { config: { bookingCommand: true }, schema: { params: BookingParams, response: { 200: BookingEnvelope } } },
    async (request, reply) =>
      replyOnce(request, reply, 200, bookingEnvelope, async (receipt) => {
        const userId = bookingUser(request.caller, request.params.userId, auth);
        return service.confirm(request.params.eventId, userId, requestedBy(request, request.caller), receipt);
      }),
  );

  app.patch(
    '/events/:eventId/bookings/:userId',
    { config: { bookingCommand: true }, schema: { params: BookingParams, body: ReduceBody, response: { 200: ReleaseEnvelope } } },
    async (request, reply) =>
      replyOnce(request, reply, 200, releaseFor, async (receipt) => {
        const userId = bookingUser(request.caller, request.params.userId, auth);
        return service.reduce(request.params.eventId, userId, request.body.quantity, requestedBy(request, request.caller), receipt);
      }),
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
    { config: { bookingCommand: true }, schema: { params: BookingParams, response: { 200: ReleaseEnvelope } } },
    async (request, reply) =>
      replyOnce(request, reply, 200, releaseFor, async (receipt) => {
        const userId = bookingUser(request.caller, request.params.userId, auth);
        return service.cancel(request.params.eventId, userId, requestedBy(request, request.caller), receipt);
      }),
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
    async (request, reply) => {
      requireStaff(request, request.caller);
      const { status = null, ...page } = request.query;
      if (wantsCsv(request.headers.accept)) {
        const rows = service.exportBookings(request.params.eventId, status);
        // Read the first row before answering, so an unknown event is still a 404 problem, not a broken CSV.
        const first = await rows[Symbol.asyncIterator]().next();
        return sendCsv(reply, `attendees-${request.params.eventId}.csv`, attendeeCsv(first, rows));
      }
      return service.listBookings(request.params.eventId, status, page);
    },
  );

  app.post(
    '/events/:eventId/check-ins',
    { schema: { params: EventParams, body: CheckInBody, response: { 200: BookingEnvelope } } },
    async (request, reply) =>
      replyOnce(request, reply, 200, bookingEnvelope, async (receipt) =>
        service.checkIn(request.params.eventId, request.body.ticketCode, requireStaff(request, request.caller), receipt),
      ),
  );
};
