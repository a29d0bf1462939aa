import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { Redis } from 'ioredis';
import type { AccountService } from '../services/account-service.js';
import type { BookingService } from '../services/booking-service.js';
import type { WebhookService } from '../services/webhook-service.js';
import type { BoxofficeStore } from '../services/ports.js';
import { type AuthOptions, type Caller, callerIdentifier, refuseRejected } from './auth.js';
import { registerErrorHandling, sendProblem } from './errors.js';
import { DomainError } from '../domain/errors.js';
import type { ConsistencyCheck } from '../services/consistency-check.js';
import type { IdempotencyService } from '../services/idempotency.js';
import type { EventStreamHub } from './event-stream-hub.js';
import { registerIdempotency } from './idempotency-key.js';
import { lazyRequestLogger } from './lazy-request-logger.js';
import type { Metrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { registerRateLimit } from './rate-limit.js';
import { serializerCompiler } from './response-serializer.js';
import { registerSecurityHeaders } from './security-headers.js';
import { requireSameOrigin, sessionToken } from './session-cookie.js';
import { accountRoutes } from './routes/accounts.js';
import { bookingRoutes } from './routes/bookings.js';
import { calendarRoutes } from './routes/calendar.js';
import { eventRoutes } from './routes/events.js';
import { meRoutes } from './routes/me.js';
import { operationsRoutes } from './routes/operations.js';
import { shortApiRoutes } from './routes/short-api.js';
import { streamRoutes } from './routes/stream.js';
import { uiRoutes } from './routes/ui.js';
import { verifyRoutes } from './routes/verify.js';
import { webhookRoutes } from './routes/webhooks.js';
import { refuseMalformedText, trimBodyStrings, validatorCompiler } from './validation.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
    /** How the caller proved who they are: the Authorization header, the page's session cookie, or not at all. */
    credentials: 'header' | 'cookie' | null;
  }
  interface FastifyContextConfig {
    /** The route reads credentials itself (sign-up, sign-in); the caller stays anonymous. */
    signIn?: boolean;
    /** A book or cancel call: its refusals count in the bookings metric. */
    bookingCommand?: boolean;
  }
}

export interface AppDependencies {
  service: BookingService;
  accounts: AccountService;
  /** The outbox's admin API; an app built without it has no webhook routes. */
  webhooks?: WebhookService;
  hub: EventStreamHub;
  metrics: Metrics;
  idempotency: IdempotencyService;
  consistency: Pick<ConsistencyCheck, 'checkEvent'>;
  store: Pick<BoxofficeStore, 'ping'>;
  auth: AuthOptions;
  /** max 0 turns rate limiting off. */
  rateLimit: { max: number; windowMs: number; authMax: number };
  redis?: Redis | null;
  /** Logger and socket options of the real server; tests leave them out. */
  server?: FastifyServerOptions;
}

const BODY_LIMIT = 16 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// A random UUID per process with a counter in its last twelve digits: as unique as a fresh UUID per request
// (74 random bits tell processes apart), without drawing random bytes for every request.
const REQUEST_ID_PREFIX = randomUUID().slice(0, 24);
let requestsIdentified = 0;
const nextRequestId = () => `${REQUEST_ID_PREFIX}${(requestsIdentified++ % 2 ** 48).toString(16).padStart(12, '0')}`;

/** The whole HTTP surface as a Fastify instance; it never listens (main.ts does). */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    ...deps.server,
    bodyLimit: BODY_LIMIT,
    // User ids may be 128 chars; longer segments must reach validation, not a 404.
    routerOptions: { maxParamLength: 512 },
    requestIdHeader: false,
    // Requests that arrive while the server closes get our problem+json 503 (below), not Fastify's plain one.
    return503OnClosing: false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    childLoggerFactory: lazyRequestLogger,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : nextRequestId();
    },
    // Fastify refuses a malformed URL or an over-long path segment before routing; answer those as problem+json too.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      const detail =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? 'A path segment is longer than 512 characters.'
          : 'The URL has a malformed percent-encoding.';
      sendProblem(reply, new DomainError('VALIDATION_FAILED', detail));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON in, JSON out: a text body is 415, not a string for the schema to puzzle over.
  app.removeContentTypeParser('text/plain');
  // Many clients send Content-Type: application/json with no body at all: that means no fields.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body.length === 0 ? done(null, undefined) : parseJson(request, body as string, done),
  );
  registerErrorHandling(app);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.decorateRequest('caller');
  app.decorateRequest('credentials', null);
  // Identify first, so rate limiting (a route-level hook, run after this one) can count per client. The hooks
  // that run for every request are callback-style: most finish synchronously, and an async one costs a promise
  // and a microtask turn each.
  const identify = callerIdentifier(deps.auth);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    // Keep-alive connections still bring requests while the server drains: send them elsewhere, politely.
    if (closing) {
      reply.header('connection', 'close');
      sendProblem(reply, new DomainError('UNAVAILABLE', 'This server is shutting down; retry and another one will answer.'));
      return;
    }
    if (request.routeOptions.config.signIn) {
      request.caller = { kind: 'anonymous' };
      done();
      return;
    }
    // The header wins: an API client's explicit credentials over whatever cookie a browser holds.
    const cookieToken = request.headers.authorization ? null : sessionToken(request.headers.cookie);
    const identified = (caller: Caller) => {
      if (cookieToken) {
        // An expired session cookie leaves the browser anonymous rather than failing public reads.
        request.caller = caller.kind === 'rejected' ? { kind: 'anonymous' } : caller;
        request.credentials = caller.kind === 'rejected' ? null : 'cookie';
      } else {
        request.caller = caller;
        request.credentials = caller.kind === 'anonymous' ? null : 'header';
      }
      done();
    };
    const caller = identify(cookieToken ? `Bearer ${cookieToken}` : request.headers.authorization);
    if (caller instanceof Promise) caller.then(identified, done);
    else identified(caller);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    refuseRejected(request.caller);
    if (request.credentials === 'cookie') requireSameOrigin(request);
    request.body ??= {};
    refuseMalformedText(request);
    trimBodyStrings(request.body);
    done();
  });

  // The page answers browsers on every path the server's own routes leave free; those routes say which they take.
  const serverSegments = new Set<string>();
  app.addHook('onRoute', ({ url }) => {
    const first = url.split('/')[1] ?? '';
    if (first !== '' && first !== '*') serverSegments.add(first);
  });
  registerSecurityHeaders(app);
  deps.metrics.register(app);
  await registerOpenApi(app);
  const limited = deps.rateLimit.max > 0;
  if (limited) await registerRateLimit(app, { max: deps.rateLimit.max, windowMs: deps.rateLimit.windowMs, redis: deps.redis ?? null });
  registerIdempotency(app, deps.idempotency, deps.auth.authSecret);

  await app.register(operationsRoutes, { store: deps.store });
  await app.register(uiRoutes, { serverSegments });
  await app.register(shortApiRoutes, { service: deps.service, auth: deps.auth });
  await app.register(
    async (api) => {
      await api.register(accountRoutes, {
        accounts: deps.accounts,
        authRateLimit: limited ? { max: deps.rateLimit.authMax, timeWindow: deps.rateLimit.windowMs } : false,
      });
      await api.register(eventRoutes, { service: deps.service });
      await api.register(bookingRoutes, { service: deps.service, auth: deps.auth });
      await api.register(meRoutes, { service: deps.service });
      await api.register(calendarRoutes, { service: deps.service });
      await api.register(streamRoutes, { service: deps.service, hub: deps.hub });
      await api.register(verifyRoutes, { check: deps.consistency });
      if (deps.webhooks) await api.register(webhookRoutes, { webhooks: deps.webhooks });
    },
    { prefix: '/api/v1' },
  );
  return app;
}
