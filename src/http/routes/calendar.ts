import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BookingService } from '../../services/booking-service.js';
import { calendarFor } from '../icalendar.js';
import { EventParams } from '../schemas.js';

export interface CalendarRoutesOptions {
  service: BookingService;
}

/** GET /events/:eventId/calendar.ics: the event as an RFC 5545 VEVENT, for "Add to calendar". */
export const calendarRoutes: FastifyPluginAsyncTypebox<CalendarRoutesOptions> = async (app, { service }) => {
  app.get('/events/:eventId/calendar.ics', { schema: { params: EventParams } }, async (request, reply) => {
    const event = await service.getEvent(request.params.eventId);
    const origin = `${request.protocol}://${request.host}`;
    const body = calendarFor({
      uid: `${event.id}@${request.hostname}`,
      name: event.name,
      startsAt: event.startsAt,
      timeZone: event.timeZone,
      venue: event.venue,
      description: event.description,
      url: `${origin}/events/${encodeURIComponent(event.id)}`,
      stamp: new Date(),
    });
    return reply
      .type('text/calendar; charset=utf-8')
      .header('content-disposition', `attachment; filename="${event.id}.ics"`)
      .header('cache-control', 'no-cache')
      .send(body);
  });
};
