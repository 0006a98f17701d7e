import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { DomainError, RateLimitedError, type ErrorKind } from '../domain/errors';

const STATUS: Record<ErrorKind, number> = {
  validation: 400,
  unauthenticated: 401,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

function fieldKey(instancePath: string | undefined, context: string | undefined): string {
  const path = (instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (path) return path;
  return context ?? 'body';
}

/** What a trader reads when a whole part of the request has the wrong shape (an array, a string, nothing). */
const BODY_WRONG_SHAPE = 'The request body must be a JSON object';
const WRONG_SHAPE: Record<string, string> = {
  body: BODY_WRONG_SHAPE,
  querystring: 'The query string is not valid',
  params: 'The address of this request is not valid',
  headers: 'The request headers are not valid',
};

/**
 * The message for one issue. Zod's own wording for a root that is not an object ("Invalid input:
 * expected object, received array") is for developers; a root refinement keeps its own message.
 */
function fieldMessage(v: { instancePath?: string; keyword?: string; message?: string }, context: string | undefined): string {
  const atRoot = !(v.instancePath ?? '').replace(/^\//, '');
  if (atRoot && v.keyword === 'invalid_type') return WRONG_SHAPE[context ?? 'body'] ?? BODY_WRONG_SHAPE;
  return v.message ?? 'Invalid value';
}

/**
 * Every failure leaves as `{ error: { code, message, fields? } }`. Validation is 400 with a message
 * per field; our typed errors map by kind; anything unexpected is a bare 500 with no stack, logged
 * with the request id so it can be found.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const fields: Record<string, string> = {};
      for (const v of err.validation) {
        const key = fieldKey(v.instancePath, err.validationContext);
        fields[key] ??= fieldMessage(v, err.validationContext);
      }
      return reply.code(400).send({ error: { code: 'VALIDATION_FAILED', message: 'Some fields are invalid', fields } });
    }
    if (err instanceof DomainError) {
      if (err instanceof RateLimitedError) void reply.header('retry-after', String(err.retryAfterSeconds));
      const status = STATUS[err.kind];
      if (status >= 500) req.log.error({ err, code: err.code }, 'request failed');
      return reply.code(status).send({ error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) } });
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ issues: err.cause.issues, url: err.url }, 'response did not match its schema');
      return reply.code(500).send({ error: { code: 'INTERNAL', message: 'Something went wrong on our side' } });
    }
    // Fastify's own 4xx (bad JSON, body too large, unsupported media type) keep their status.
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status === 429 ? 'RATE_LIMITED' : 'BAD_REQUEST';
      return reply.code(status).send({ error: { code, message: err.message } });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'Something went wrong on our side' } });
  });

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `No route ${req.method} ${req.url.split('?')[0]}` } });
  });
}
