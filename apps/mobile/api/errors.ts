import { ErrorBody } from '@ats/contracts';

export type ApiErrorKind = 'network' | 'validation' | 'unauthenticated' | 'conflict' | 'not_found' | 'rate_limited' | 'server' | 'unexpected';

/**
 * Every failure the app can meet, reduced to what a screen needs: a sentence for the trader, the
 * field messages to show inline, and the server's stable code for the few places that branch on it.
 */
export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string>;
  readonly retryAfterSeconds: number | null;

  constructor(init: { kind: ApiErrorKind; status: number; code: string; message: string; fields?: Record<string, string>; retryAfterSeconds?: number | null }) {
    super(init.message);
    this.name = 'ApiError';
    this.kind = init.kind;
    this.status = init.status;
    this.code = init.code;
    this.fields = init.fields ?? {};
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
  }
}

// Server messages are already written for traders; these cover codes where the app knows a better next step.
const MESSAGE_BY_CODE: Record<string, string> = {
  TOKEN_EXPIRED: 'Your session has expired. Please sign in again.',
  UNAUTHENTICATED: 'Please sign in to continue.',
  REFRESH_TOKEN_INVALID: 'Your session has expired. Please sign in again.',
  REFRESH_TOKEN_REUSED: 'For your safety you were signed out everywhere. Please sign in again.',
  INVALID_CREDENTIALS: 'That email and password do not match.',
  EMAIL_TAKEN: 'An account with this email already exists. Try signing in.',
  BROKER_NOT_CONNECTED: 'The broker account is not connected. Reconnect it on the Broker tab, then try again.',
  BROKER_TOKEN_EXPIRED: 'The broker session has expired. Log in to the broker again on the Broker tab.',
  BROKER_IN_USE: 'A running strategy uses this broker account. Stop it first.',
  STRATEGY_RUNNING: 'This change is not allowed while the strategy is running. Stop it first.',
  STRATEGY_NOT_FOUND: 'This strategy no longer exists.',
};

function kindForStatus(status: number): ApiErrorKind {
  if (status === 400 || status === 422) return 'validation';
  if (status === 401) return 'unauthenticated';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server';
  return 'unexpected';
}

export function parseRetryAfter(header: string | null, nowMs: number): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/** Builds the ApiError for a non-2xx response whose body may or may not be our error shape. */
export function errorFromResponse(status: number, body: unknown, retryAfter: string | null, nowMs: number): ApiError {
  const kind = kindForStatus(status);
  const parsed = ErrorBody.safeParse(body);
  const code = parsed.success ? parsed.data.error.code : `HTTP_${status}`;
  const serverMessage = parsed.success ? parsed.data.error.message : null;
  const fields = parsed.success ? (parsed.data.error.fields ?? {}) : {};
  const retryAfterSeconds = parseRetryAfter(retryAfter, nowMs);

  let message = MESSAGE_BY_CODE[code] ?? serverMessage;
  if (kind === 'rate_limited') {
    message = retryAfterSeconds !== null ? `Too many requests. Try again in ${retryAfterSeconds} s.` : 'Too many requests. Wait a moment and try again.';
  } else if (kind === 'server' && !MESSAGE_BY_CODE[code]) {
    message = status === 503 ? 'The server is busy or starting up. Try again in a moment.' : 'Something went wrong on the server. Try again; your input is kept.';
  } else if (kind === 'validation' && Object.keys(fields).length > 0) {
    message = 'Please fix the highlighted fields.';
  }
  return new ApiError({ kind, status, code, message: message ?? `Request failed (${status}).`, fields, retryAfterSeconds });
}

export function networkError(cause: unknown): ApiError {
  const detail = cause instanceof Error && cause.name === 'AbortError' ? 'The server took too long to answer.' : 'Cannot reach the server.';
  return new ApiError({ kind: 'network', status: 0, code: 'NETWORK', message: `${detail} Check your connection and the server URL on Profile.` });
}

/** One sentence for any thrown value, so no screen ever shows "[object Object]" or a stack. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error && e.message) return e.message;
  return 'Something went wrong. Try again.';
}
