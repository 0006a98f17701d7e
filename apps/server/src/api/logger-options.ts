import type { LoggerOptions } from 'pino';

/**
 * Secrets never reach a log line: these paths are censored wherever they appear in a logged
 * object (request bodies, headers, errors, broker payloads).
 */
export const REDACT_PATHS = [
  'password',
  'new_password',
  'access_token',
  'refresh_token',
  'api_secret',
  'secret_key',
  'totp',
  'totp_secret',
  'mpin',
  'pin',
  'request_token',
  'auth_code',
  'credentials',
  'authorization',
  'cookie',
  'token',
  'jwtToken',
  'feedToken',
].flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `req.headers.${k}`, `headers.${k}`]);

/**
 * Query strings are dropped from logged URLs: redirect-login callbacks and the WebSocket carry
 * one-time codes and tokens there (`request_token`, `auth_code`, `access_token`).
 */
function requestSerializer(req: { method?: string; url?: string; id?: string; ip?: string }): Record<string, unknown> {
  return { method: req.method, url: (req.url ?? '').split('?')[0], id: req.id, ip: req.ip };
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    serializers: { req: requestSerializer },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'ats' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
  };
}
