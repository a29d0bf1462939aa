import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';

export interface UiRoutesOptions {
  /** The Vite build of src/ui; `npm run build` writes it to dist/ui. */
  root?: string;
  /** First path segments of the server's own routes (api, docs, book…), so a browser never gets the page for them. */
  serverSegments: ReadonlySet<string>;
}

// Three levels up is the repository from src/http/routes and from dist/http/routes alike.
const BUILT_UI = fileURLToPath(new URL('../../../dist/ui/', import.meta.url));

// A browser that asks for HTML, unless it says it will take none (text/html;q=0).
const ACCEPTS_HTML = /text\/html(?!\s*;\s*q=0(?:\.0*)?\s*(?:,|$))/i;

/** Vite puts a content hash in every asset's name, so an asset never changes; the page itself always may. */
function cacheHeaders(assets: string): (reply: FastifyReply, path: string) => void {
  return (reply, path) => {
    reply.header('cache-control', path.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache');
  };
}

/** A client-side route of the page: a GET from a browser for a path the server does not own. */
function wantsPage(request: FastifyRequest, serverSegments: ReadonlySet<string>): boolean {
  if (!ACCEPTS_HTML.test(request.headers.accept ?? '')) return false;
  const path = request.url.split('?')[0] ?? '/';
  const segments = path.split('/').filter(Boolean);
  // Assets are the page's files: a missing one is a 404, never the page.
  if (segments[0] === 'assets' || serverSegments.has(segments[0] ?? '')) return false;
  // A name with a dot is a file that does not exist (favicon.ico, robots.txt), not a page.
  return !(segments.at(-1) ?? '').includes('.');
}

/** Serves the web page (the Vite build) at / and its client-side routes; everything else stays a 404 problem. */
export const uiRoutes: FastifyPluginAsync<UiRoutesOptions> = async (app, { root = BUILT_UI, serverSegments }) => {
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ root }, 'the web page is not built; run npm run build to serve it at /');
    app.get('/', async () => {
      throw new DomainError('NOT_FOUND', 'The web page is not built: run `npm run build` (`npm start` does it), then reload.');
    });
    return;
  }
  // Preconditions are for writes; on these read-only files send would answer 412, which has no problem code.
  app.addHook('onRequest', async (request) => {
    delete request.raw.headers['if-match'];
    delete request.raw.headers['if-unmodified-since'];
  });
  await app.register(fastifyStatic, {
    root,
    // Only the files present at start are routes, so every other path reaches the handler below.
    wildcard: false,
    index: 'index.html',
    // Files this small need no ranges, and a bad Range header would otherwise surface as an error.
    acceptRanges: false,
    setHeaders: cacheHeaders(join(root, 'assets', '/')),
  });
  app.get('/*', async (request, reply) => (wantsPage(request, serverSegments) ? reply.sendFile('index.html') : reply.callNotFound()));
};
