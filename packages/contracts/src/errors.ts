import { z } from 'zod';

/**
 * Stable error codes. Clients switch on these, so a code is never renamed or reused;
 * add new ones instead.
 */
export const ErrorCode = z.enum([
  'VALIDATION_FAILED',
  'NOT_FOUND',
  'ROUTE_NOT_FOUND',
  'UNAUTHENTICATED',
  'TOKEN_EXPIRED',
  'INVALID_CREDENTIALS',
  'EMAIL_TAKEN',
  'REFRESH_TOKEN_INVALID',
  'REFRESH_TOKEN_REUSED',
  'RATE_LIMITED',
  'INTERNAL',
  'SERVICE_UNAVAILABLE',
  'BROKER_NOT_FOUND',
  'BROKER_AUTH_FAILED',
  'BROKER_TOKEN_EXPIRED',
  'BROKER_NOT_CONNECTED',
  'BROKER_IN_USE',
  'BROKER_REJECTED',
  'BROKER_UNAVAILABLE',
  'BROKER_RATE_LIMITED',
  'BROKER_AMBIGUOUS',
  'INSTRUMENT_NOT_FOUND',
  'STRATEGY_NOT_FOUND',
  'STRATEGY_RUNNING',
  'ILLEGAL_TRANSITION',
  'CONFLICT',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** `{ error: { code, message, fields? } }`: the one error body every endpoint returns. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.record(z.string(), z.string()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
