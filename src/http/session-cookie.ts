import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';

/** The web page's session: the same signed token as a bearer grant, kept where page scripts cannot read it. */
export const SESSION_COOKIE = 'boxoffice_session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const TOKEN = /^[A-Za-z0-9._-]{1,4096}$/;

/** The session token of a Cookie header, or null; a malformed value counts as none. */
export function sessionToken(cookieHeader: string | undefined): string | null {
  for (const pair of (cookieHeader ?? '').split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0 || pair.slice(0, equals).trim() !== SESSION_COOKIE) continue;
    const value = pair.slice(equals + 1).trim();
    return TOKEN.test(value) ? value : null;
  }
  return null;
}

/** No Max-Age: a browser session cookie; the token inside still expires after TOKEN_TTL. */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict${secure(request)}`);
  reply.header('cache-control', 'no-store');
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure(request)}`);
}

function secure(request: FastifyRequest): string {
  return request.protocol === 'https' ? '; Secure' : '';
}

/** The host:port of an Origin header, or null when it is absent, "null" or malformed. */
function originHost(origin: string | undefined): string | null {
  if (!origin) return null;
  try {
    const parsed = new URL(origin);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.host : null;
  } catch {
    return null;
  }
}

/**
 * A browser attaches the cookie to whatever asks, so a change made with it must name this site as
 * its Origin (browsers send Origin on every non-GET fetch). SameSite=Strict alone does not cover
 * sibling subdomains or old browsers. The host is compared, not the scheme: behind a proxy that
 * ends TLS the server sees http while the browser says https.
 */
export function requireSameOrigin(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return;
  const host = originHost(request.headers.origin);
  if (host !== null && host === originHost(`http://${request.host}`)) return;
  throw new DomainError(
    'FORBIDDEN',
    'A change made with the session cookie must come from this site (its Origin header is missing or foreign).',
  );
}
