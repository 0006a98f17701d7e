/**
 * Typed errors with a stable `code`. The API maps `kind` to an HTTP status and passes
 * `code`, `message` and `fields` to the client unchanged, so messages are written for traders.
 */
export type ErrorKind =
  | 'validation' // 400
  | 'unauthenticated' // 401
  | 'not_found' // 404
  | 'conflict' // 409
  | 'unprocessable' // 422
  | 'rate_limited' // 429
  | 'unavailable' // 503
  | 'internal'; // 500

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(fields: Record<string, string>, message = 'Some fields are invalid') {
    super('validation', 'VALIDATION_FAILED', message, fields);
  }
}

export class NotFoundError extends DomainError {
  constructor(code: string, message: string) {
    super('not_found', code, message);
  }
}

export class ConflictError extends DomainError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super('conflict', code, message, undefined, details);
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(code: string, message: string) {
    super('unauthenticated', code, message);
  }
}

export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', 'RATE_LIMITED', message);
  }
}

/** A broker said something definite about our request (auth failed, token expired, order rejected...). */
export class BrokerError extends DomainError {
  constructor(
    code:
      | 'BROKER_AUTH_FAILED'
      | 'BROKER_TOKEN_EXPIRED'
      | 'BROKER_REJECTED'
      | 'BROKER_UNAVAILABLE'
      | 'BROKER_RATE_LIMITED'
      | 'BROKER_AMBIGUOUS',
    message: string,
    readonly brokerCode?: string,
  ) {
    super(code === 'BROKER_UNAVAILABLE' || code === 'BROKER_AMBIGUOUS' ? 'unavailable' : 'unprocessable', code, message);
  }
}
