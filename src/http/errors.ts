import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type DomainErrorDetails, ERROR_CODES, type FieldError } from '../domain/errors.js';

/** Refusals of the HTTP layer itself, before any use-case runs: not among the domain's codes. */
export const HTTP_ERROR_CODES = ['RATE_LIMITED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const;
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

/** Every code a problem+json answer may carry. */
export const PROBLEM_CODES = [...ERROR_CODES, ...HTTP_ERROR_CODES] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

export class HttpRefusal extends Error {
  constructor(
    readonly code: HttpErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HttpRefusal';
  }
}

/** What an answer can be made of: a DomainError, or a refusal of the HTTP layer. */
type Problem = { code: ProblemCode; message: string; details?: DomainErrorDetails };

/** The one place that turns a stable error code into an HTTP status. */
export const STATUS_BY_CODE: Record<ProblemCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  EVENT_NOT_FOUND: 404,
  BOOKING_NOT_FOUND: 404,
  WEBHOOK_NOT_FOUND: 404,
  NOT_FOUND: 404,
  ALREADY_BOOKED: 409,
  SALES_CLOSED: 409,
  CAPACITY_BELOW_BOOKED: 409,
  EVENT_EXISTS: 409,
  USER_EXISTS: 409,
  NOT_PENDING: 409,
  EXPIRED: 409,
  ALREADY_CHECKED_IN: 409,
  TICKET_NOT_VALID: 409,
  TICKET_NOT_FOUND: 404,
  QUANTITY_NOT_ALLOWED: 422,
  IDEMPOTENCY_KEY_IN_USE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

const TITLES: Record<ProblemCode, string> = {
  VALIDATION_FAILED: 'The request is not valid',
  UNAUTHORIZED: 'Authentication is required',
  FORBIDDEN: 'Not allowed for this caller',
  EVENT_NOT_FOUND: 'Event not found',
  BOOKING_NOT_FOUND: 'Booking not found',
  WEBHOOK_NOT_FOUND: 'Webhook not found',
  NOT_FOUND: 'Not found',
  ALREADY_BOOKED: 'Already booked',
  SALES_CLOSED: 'Sales are closed',
  CAPACITY_BELOW_BOOKED: 'Capacity below booked tickets',
  EVENT_EXISTS: 'Event already exists',
  USER_EXISTS: 'User already exists',
  NOT_PENDING: 'Booking is not pending',
  EXPIRED: 'Hold or offer expired',
  ALREADY_CHECKED_IN: 'Already checked in',
  TICKET_NOT_VALID: 'Ticket not valid',
  TICKET_NOT_FOUND: 'Ticket not found',
  QUANTITY_NOT_ALLOWED: 'Quantity not allowed',
  IDEMPOTENCY_KEY_IN_USE: 'Idempotency key in use',
  PAYLOAD_TOO_LARGE: 'Request body too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency key reused with another request',
  RATE_LIMITED: 'Too many requests',
  INTERNAL: 'Internal server error',
  UNAVAILABLE: 'Service unavailable',
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
export const WWW_AUTHENTICATE = 'Bearer realm="boxoffice", Basic realm="boxoffice", charset="UTF-8"';
const RETRY_AFTER_SECONDS = '2';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  requestId: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export function problemFor(error: Problem, requestId: string): ProblemBody {
  const status = STATUS_BY_CODE[error.code];
  return {
    ...error.details?.extensions,
    type: `/problems/${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[error.code],
    status,
    detail: error.message,
    code: error.code,
    requestId,
    ...(error.details?.errors ? { errors: error.details.errors } : {}),
  };
}

export function sendProblem(reply: FastifyReply, error: Problem): FastifyReply {
  const body = problemFor(error, reply.request.id);
  if (error.code === 'UNAUTHORIZED') reply.header('www-authenticate', WWW_AUTHENTICATE);
  if (error.code === 'UNAVAILABLE' && !reply.hasHeader('retry-after')) reply.header('retry-after', RETRY_AFTER_SECONDS);
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

interface AjvIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

function fieldErrors(issues: readonly AjvIssue[], part: string | undefined): FieldError[] {
  const root = `/${part === 'querystring' ? 'query' : (part ?? 'body')}`;
  return issues.map((issue) => {
    if (issue.keyword === 'additionalProperties') {
      return { path: `${root}${issue.instancePath}/${String(issue.params.additionalProperty)}`, message: 'is not an allowed field' };
    }
    if (issue.keyword === 'required') {
      return { path: `${root}${issue.instancePath}/${String(issue.params.missingProperty)}`, message: 'is required' };
    }
    return { path: `${root}${issue.instancePath}`, message: issue.message ?? 'is invalid' };
  });
}

// Fastify's and its plugins' own 4xx refusals that have a code of their own; any other 4xx is a bad request.
const CODE_BY_STATUS: Partial<Record<number, ProblemCode>> = {
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

const DETAIL_BY_CODE: Partial<Record<ProblemCode, string>> = {
  PAYLOAD_TOO_LARGE: 'The request body is larger than the 16 KiB limit.',
  UNSUPPORTED_MEDIA_TYPE: 'Send the request body as application/json.',
};

/** Fastify's own 4xx errors (parsing, limits, validation) as problems; null for anything unexpected. */
function fromFastifyError(error: FastifyError): Problem | null {
  if (error.validation) {
    const errors = fieldErrors(error.validation, error.validationContext);
    const summary = errors.map((issue) => `${issue.path} ${issue.message}`).join('; ');
    return new DomainError('VALIDATION_FAILED', `Invalid request: ${summary}.`, { errors });
  }
  const status = error.statusCode ?? 500;
  if (status < 400 || status >= 500) return null;
  if (status === 400 && error.code?.startsWith('FST_ERR_CTP_')) {
    const empty = error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY';
    return new DomainError(
      'VALIDATION_FAILED',
      empty ? 'The request body is empty; send a JSON object.' : 'The request body is not valid JSON.',
    );
  }
  const code = CODE_BY_STATUS[status] ?? 'VALIDATION_FAILED';
  return { code, message: DETAIL_BY_CODE[code] ?? `The request was refused: ${error.message}` };
}

/** Every error leaves as problem+json; nothing about a 5xx but its request id reaches the client. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = error instanceof DomainError || error instanceof HttpRefusal ? error : fromFastifyError(error);
    if (known) {
      if (known instanceof DomainError && known.code === 'UNAVAILABLE')
        request.log.warn({ err: known.cause ?? known }, 'database unavailable');
      return sendProblem(reply, known);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(
      reply,
      new DomainError('INTERNAL', `Something went wrong on our side; it was logged with request id ${request.id}.`),
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, new DomainError('NOT_FOUND', `No route for ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}.`)),
  );
}
