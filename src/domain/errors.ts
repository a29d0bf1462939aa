export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'EVENT_NOT_FOUND',
  'BOOKING_NOT_FOUND',
  'ALREADY_BOOKED',
  'SALES_CLOSED',
  'CAPACITY_BELOW_BOOKED',
  'EVENT_EXISTS',
  'USER_EXISTS',
  'QUANTITY_NOT_ALLOWED',
  'NOT_PENDING',
  'EXPIRED',
  'ALREADY_CHECKED_IN',
  'TICKET_NOT_VALID',
  'TICKET_NOT_FOUND',
  'WEBHOOK_NOT_FOUND',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_KEY_IN_USE',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldError {
  path: string;
  message: string;
}

export interface DomainErrorDetails {
  /** Validation problems, one per offending field. */
  errors?: FieldError[];
  /** Extra members of the problem body, e.g. the existing booking behind ALREADY_BOOKED. */
  extensions?: Record<string, unknown>;
}

/** An expected failure with a stable code; http/errors.ts alone decides its status. */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: DomainErrorDetails;

  constructor(code: ErrorCode, message: string, details: DomainErrorDetails = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}
