import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { BookingService } from '../../services/booking-service.js';
import type { EventView } from '../../domain/event.js';
import { requestedBy, requireAdmin } from '../auth.js';
import { answerFor } from '../idempotency.js';
import { AuditEntry, AuditQuery, CreateEventBody, Event, EventParams, PageQuery, PatchEventBody } from '../schemas.js';

export interface EventRoutesOptions {
  service: BookingService;
}

export const eventRoutes: FastifyPluginAsyncTypebox<EventRoutesOptions> = async (app, { service }) => {
  app.post('/events', { schema: { body: CreateEventBody, response: { 201: Event } } }, async (request, reply) => {
    requireAdmin(request.caller);
    const { venue = null, startsAt = null, ...rest } = request.body;
    const answer = answerFor(request, 201, (event: EventView) => event);
    const event = await service.openEvent({ ...rest, venue, startsAt }, requestedBy(request, request.caller), answer.receipt);
    return answer.send(reply, event);
  });

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
    async (request, reply) => {
      requireAdmin(request.caller);
      const answer = answerFor(request, 200, (event: EventView) => event);
      const event = await service.updateEvent(request.params.eventId, request.body, requestedBy(request, request.caller), answer.receipt);
      return answer.send(reply, event);
    },
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
