import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/** Same-origin everything: the web page is built files only, no inline script or style. */
const CONTENT_SECURITY_POLICY = {
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    frameAncestors: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    // Served over plain HTTP on 127.0.0.1 by default: upgrading sub-requests to https would break the page.
    upgradeInsecureRequests: null,
  },
};

/** Helmet's security headers on every answer; a route may still set its own CSP (Swagger UI does). */
export function registerSecurityHeaders(app: FastifyInstance): void {
  // Built once: @fastify/helmet rebuilds this middleware, directives and all, on every request.
  const setHeaders = helmet({ contentSecurityPolicy: CONTENT_SECURITY_POLICY });
  app.addHook('onRequest', (request, reply, done) =>
    setHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)),
  );
}
