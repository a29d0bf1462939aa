import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { Problem } from './schemas.js';

const VERSION = '0.1.0';

function tagOf(url: string): string {
  if (url.startsWith('/api/v1/users') || url.startsWith('/api/v1/auth')) return 'accounts';
  if (url.startsWith('/api/v1/webhooks')) return 'webhooks';
  if (url.includes('/bookings') || url.endsWith('/stream')) return 'bookings';
  if (url.startsWith('/api/v1/events')) return 'events';
  if (['/initialize', '/book', '/cancel'].includes(url) || url.startsWith('/status')) return 'short API';
  return 'operations';
}

/**
 * OpenAPI 3 at /openapi.json and Swagger UI at /docs, generated from the same schemas the routes
 * validate with; every route also documents its problem+json errors. Register before the routes.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.schema?.hide || route.url.startsWith('/docs')) return;
    route.schema = {
      ...route.schema,
      tags: route.schema?.tags ?? [tagOf(route.url)],
      response: { ...(route.schema?.response as object | undefined), '4xx': Problem, '5xx': Problem },
    };
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Boxoffice',
        version: VERSION,
        description: 'Event ticket booking: never sells a ticket twice, a fair FIFO waiting list, and an audit log of every change.',
      },
      components: {
        securitySchemes: {
          adminBasic: { type: 'http', scheme: 'basic', description: 'ADMIN_USER / ADMIN_PASSWORD' },
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'From POST /api/v1/auth/token' },
        },
      },
      security: [{ bearer: [] }, { adminBasic: [] }, {}],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { config: { rateLimit: false }, schema: { hide: true } }, async () => app.swagger());
}
