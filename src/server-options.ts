import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyServerOptions } from 'fastify';
import { type Logger, type LoggerOptions, pino } from 'pino';
import type { Config } from './config.js';

/** How long the real server waits for slow clients; the slow-client tests read their deadlines from here. */
export const SERVER_TIMEOUTS = {
  /** The whole header block must arrive within this: a client dribbling headers (slowloris) is cut off. */
  headersMs: 5_000,
  /** The whole request, body included, must arrive within this; bodies are at most 16 KiB. */
  requestMs: 10_000,
  /** A socket with no traffic either way is closed; event streams send a heartbeat well within it. */
  idleSocketMs: 60_000,
  /** An idle keep-alive connection between requests is closed after this. */
  keepAliveMs: 5_000,
  /** How often Node looks for connections past the header and request limits; the default 30 s would let them linger. */
  checkIntervalMs: 1_000,
} as const;

/** A header block larger than this is answered 431 and the connection closed. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** JSON lines for machines; on a terminal, pino-pretty's readable lines. */
export function loggerOptions(config: Pick<Config, 'logLevel'>, terminal = process.stdout.isTTY === true): LoggerOptions {
  return {
    level: config.logLevel,
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    ...(terminal ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  };
}

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino(loggerOptions(config));
}

// Refusals Node makes before a request exists; their codes are the transport's, not the booking domain's.
const CLIENT_ERRORS: Record<number, { code: string; detail: string }> = {
  400: { code: 'VALIDATION_FAILED', detail: 'The request is not valid HTTP.' },
  408: {
    code: 'REQUEST_TIMEOUT',
    detail: `The request did not arrive in time (headers within ${SERVER_TIMEOUTS.headersMs / 1000} s, all of it within ${SERVER_TIMEOUTS.requestMs / 1000} s).`,
  },
  431: { code: 'HEADERS_TOO_LARGE', detail: `The request's header block is larger than ${MAX_HEADER_BYTES / 1024} KiB.` },
};

/** Node's socket-level refusals (408, 431, malformed HTTP) as problem+json, like every other answer. */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const { code, detail } = CLIENT_ERRORS[status]!;
  const title = STATUS_CODES[status] ?? 'Bad Request';
  const body = JSON.stringify({ type: `/problems/${code.toLowerCase().replaceAll('_', '-')}`, title, status, detail, code });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Logger and socket limits of the real server: slow or oversized clients are cut off, secrets never logged. */
export function serverOptions(logger: Logger): FastifyServerOptions {
  return {
    loggerInstance: logger,
    connectionTimeout: SERVER_TIMEOUTS.idleSocketMs,
    requestTimeout: SERVER_TIMEOUTS.requestMs,
    keepAliveTimeout: SERVER_TIMEOUTS.keepAliveMs,
    clientErrorHandler: answerClientError,
    http: {
      headersTimeout: SERVER_TIMEOUTS.headersMs,
      connectionsCheckingInterval: SERVER_TIMEOUTS.checkIntervalMs,
      maxHeaderSize: MAX_HEADER_BYTES,
    },
  } as FastifyServerOptions;
}
