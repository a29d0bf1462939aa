import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';

// The floor: bare Fastify taking the same booking request and answering the same shape, with no
// auth, validation, database or logging, so every Boxoffice figure can be read as a share of it.
const app = Fastify({ logger: false });

app.get('/healthz', async () => ({ status: 'ok' }));

app.post<{ Params: { eventId: string }; Body: { userId: string } }>('/api/v1/events/:eventId/bookings', async (request, reply) => {
  const now = new Date().toISOString();
  return reply.code(201).send({
    booking: {
      id: randomUUID(),
      eventId: request.params.eventId,
      userId: request.body.userId,
      status: 'confirmed',
      position: null,
      createdAt: now,
      updatedAt: now,
      confirmedAt: now,
      cancelledAt: null,
    },
  });
});

await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) });
