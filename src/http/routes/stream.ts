import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BookingService } from '../../services/booking-service.js';
import type { EventStreamHub } from '../event-stream-hub.js';
import { EventParams } from '../schemas.js';

export interface StreamRoutesOptions {
  service: BookingService;
  hub: EventStreamHub;
}

export const streamRoutes: FastifyPluginAsyncTypebox<StreamRoutesOptions> = async (app, { service, hub }) => {
  const open = new Set<() => void>();
  // Streams never end by themselves: close them so shutdown does not wait for clients.
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  app.get(
    '/events/:eventId/stream',
    {
      schema: {
        params: EventParams,
        description:
          'Server-Sent Events: `event: event` with the event and its counts at once, then after every change; `: heartbeat` comments keep it open.',
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const event = await service.getEvent(request.params.eventId);
      // HEAD learns what a GET would get, then the connection is free again: no subscriber is kept.
      if (request.method === 'HEAD')
        return reply.code(200).type('text/event-stream; charset=utf-8').header('cache-control', 'no-cache, no-transform').send();
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      const unwatch = hub.watch(event, (chunk) => response.write(chunk));
      const end = () => {
        if (!open.has(end)) return;
        unwatch();
        open.delete(end);
        response.end();
      };
      open.add(end);
      request.raw.once('close', end);
    },
  );
};
