import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { BookingService } from '../services/booking-service.js';
import type { BoxofficeStore } from '../services/ports.js';
import { type AuthOptions, type Caller, identify } from './auth.js';
import { registerErrorHandling } from './errors.js';
import { bookingRoutes } from './routes/bookings.js';
import { eventRoutes } from './routes/events.js';
import { operationsRoutes } from './routes/operations.js';
import { shortApiRoutes } from './routes/short-api.js';
import { trimBodyStrings, validatorCompiler } from './validation.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
}

export interface AppDependencies {
  service: BookingService;
  store: Pick<BoxofficeStore, 'ping'>;
  auth: AuthOptions;
  /** Logger and socket options of the real server; tests leave them out. */
  server?: FastifyServerOptions;
}

const BODY_LIMIT = 16 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The whole HTTP surface as a Fastify instance; it never listens (main.ts does). */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    ...deps.server,
    bodyLimit: BODY_LIMIT,
    // User ids may be 128 chars; longer segments must reach validation, not a 404.
    routerOptions: { maxParamLength: 512 },
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  // JSON in, JSON out: a text body is 415, not a string for the schema to puzzle over.
  app.removeContentTypeParser('text/plain');
  registerErrorHandling(app);
  app.decorateRequest('caller');
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    request.caller = { kind: 'anonymous' };
    request.caller = identify(request.headers.authorization, deps.auth);
  });
  app.addHook('preValidation', async (request) => trimBodyStrings(request.body));

  await app.register(operationsRoutes, { store: deps.store });
  await app.register(shortApiRoutes, { service: deps.service, auth: deps.auth });
  await app.register(
    async (api) => {
      await api.register(eventRoutes, { service: deps.service });
      await api.register(bookingRoutes, { service: deps.service, auth: deps.auth });
    },
    { prefix: '/api/v1' },
  );
  return app;
}
