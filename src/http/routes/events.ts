import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { BookingService } from '../../services/booking-service.js';
import type { EventView } from '../../domain/event.js';
import { requestedBy, requireAdmin } from '../auth.js';
import { asIs, replyOnce } from '../idempotency-key.js';
import { AuditEntry, AuditQuery, CreateEventBody, Event, EventParams, PageQuery, PatchEventBody } from '../schemas.js';

export interface EventRoutesOptions {
  service: BookingService;
}

export const eventRoutes: FastifyPluginAsyncTypebox<EventRoutesOptions> = async (app, { service }) => {
  app.post('/events', { schema: { body: CreateEventBody, response: { 201: Event } } }, async (request, reply) =>
    replyOnce(request, reply, 201, asIs<EventView>, async (receipt) => {
      requireAdmin(request.caller);
      const { venue = null, startsAt = null, ...rest } = request.body;
      return service.openEvent({ ...rest, venue, startsAt }, requestedBy(request, request.caller), receipt);
    }),
  );

  app.get(
    '/events',
    {
      schema: {
        querystring: PageQuery,
        response: { 200: Type.Object({ events: Type.Array(Event), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => service.listEvents(request.query),
  );

  app.get('/events/:eventId', { schema: { params: EventParams, response: { 200: Event } } }, async (request) =>
    service.getEvent(request.params.eventId),
  );

  app.patch(
    '/events/:eventId',
    { schema: { params: EventParams, body: PatchEventBody, response: { 200: Event } } },
    async (request, reply) =>
      replyOnce(request, reply, 200, asIs<EventView>, async (receipt) => {
        requireAdmin(request.caller);
        return service.updateEvent(request.params.eventId, request.body, requestedBy(request, request.caller), receipt);
      }),
  );

  app.get(
    '/events/:eventId/audit',
    {
      schema: {
        params: EventParams,
        querystring: AuditQuery,
        response: { 200: Type.Object({ entries: Type.Array(AuditEntry), next: Type.Union([Type.Integer(), Type.Null()]) }) },
      },
    },
    async (request) => {
      requireAdmin(request.caller);
      return service.listAudit(request.params.eventId, request.query.after, request.query.limit);
    },
  );
};
