import type { IncomingMessage, ServerResponse } from 'node:http';
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

/**
 * Helmet's headers, taken once from its middleware: none of our directives depends on the request, and
 * running its twelve middlewares on every answer cost 8 % of the HTTP stack's CPU.
 */
function helmetHeaders(): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const capture = {
    setHeader: (name: string, value: unknown) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let refused: unknown = null;
  helmet({ contentSecurityPolicy: CONTENT_SECURITY_POLICY })(
    {} as IncomingMessage,
    capture as unknown as ServerResponse,
    (error?: unknown) => {
      refused = error ?? null;
    },
  );
  if (refused) throw new Error('Helmet refused its options', { cause: refused });
  return Object.freeze(headers);
}

/** Helmet's full set, for documents a browser renders: the page and the API docs. */
export const DOCUMENT_HEADERS = helmetHeaders();

/**
 * What an answer a browser never renders as a page needs (JSON, problems, the stream, CSV, calendar),
 * after OWASP's REST Security Cheat Sheet: no sniffing it into HTML, no framing, no loading it from
 * another origin, HTTPS only. Helmet's other seven (DNS prefetch, download options, referrer policy, …)
 * concern documents; on every booking answer they were most of the cost of its headers.
 */
export const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
  'strict-transport-security': DOCUMENT_HEADERS['strict-transport-security'] ?? 'max-age=31536000; includeSubDomains',
});

const HTML = /^\s*text\/html\b/i;

/**
 * Every answer gets the API set; an HTML answer gets Helmet's full set over it, keeping a Content-Security-Policy
 * its route chose (Swagger UI's, set in its own onSend hook, which runs after this one).
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(API_HEADERS);
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && HTML.test(type)) {
      const policy = reply.getHeader('content-security-policy');
      reply.headers(DOCUMENT_HEADERS);
      if (policy !== API_HEADERS['content-security-policy']) reply.header('content-security-policy', policy);
    }
    done(null, payload);
  });
}
