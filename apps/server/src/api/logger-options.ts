import { stdSerializers, type LoggerOptions } from 'pino';

export const REDACTED = '[redacted]';

/**
 * Key names whose values never reach a log line, compared case-insensitively with `_`, `-` and
 * other separators ignored: `api_secret`, `apiSecret` and `API-SECRET` are one name.
 */
const SECRET_KEYS = new Set(
  [
    'password',
    'new_password',
    'password_hash',
    'access_token',
    'refresh_token',
    'api_secret',
    'secret',
    'secret_key',
    'totp',
    'totp_secret',
    'mpin',
    'pin',
    'request_token',
    'auth_code',
    'credentials',
    'authorization',
    'proxy_authorization',
    'cookie',
    'set_cookie',
    'token',
    'jwt_token',
    'feed_token',
  ].map(normalizeKey),
);

/** Any key ending in one of these is a secret too: `client_secret`, `kiteAccessToken`, `user_password`. */
const SECRET_SUFFIXES = ['password', 'passwd', 'secret', 'accesstoken', 'refreshtoken', 'requesttoken', 'sessiontoken', 'authtoken', 'jwttoken', 'feedtoken'];

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function isSecretKey(key: string): boolean {
  const k = normalizeKey(key);
  return SECRET_KEYS.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s));
}

/** Deeper than this, a logged value is cut off rather than walked (and so cannot leak). */
const MAX_DEPTH = 24;

function walk(value: unknown, depth: number, ancestors: object[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  if (ancestors.includes(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[truncated]';
  ancestors.push(value);
  try {
    // An error anywhere is logged the way pino logs `err`: type, message, stack and its own fields.
    if (value instanceof Error) return walk(stdSerializers.err(value), depth, ancestors);
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      let json: unknown;
      try {
        json = (value as { toJSON: () => unknown }).toJSON();
      } catch {
        return value;
      }
      return json === value ? value : walk(json, depth, ancestors);
    }
    if (Array.isArray(value)) {
      let out: unknown[] | null = null;
      value.forEach((item: unknown, i) => {
        const next = walk(item, depth + 1, ancestors);
        if (next !== item) (out ??= value.slice())[i] = next;
      });
      return out ?? value;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    const plain = proto === Object.prototype || proto === null;
    // Copy on write: the caller's object is never changed, and is reused when nothing needs hiding.
    // Class instances are copied to what JSON would show of them: their own enumerable fields.
    let out: Record<string, unknown> | null = plain ? null : {};
    const src = value as Record<string, unknown>;
    for (const key of Object.keys(src)) {
      const cur = src[key];
      const next = isSecretKey(key) ? (cur === undefined ? undefined : REDACTED) : walk(cur, depth + 1, ancestors);
      if (out) out[key] = next;
      else if (next !== cur) (out = { ...src })[key] = next;
    }
    return out ?? value;
  } finally {
    ancestors.pop();
  }
}

/** A copy of `value` with every secret-named key censored, at any depth; `value` itself is untouched. */
export function redactSecrets<T>(value: T): T {
  return walk(value, 0, []) as T;
}

/** Top-level keys that have their own serializer; they are redacted after it runs (or need none). */
const SERIALIZED_KEYS = new Set(['req', 'res', 'err']);

function redactLogObject(obj: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const key of Object.keys(obj)) {
    if (SERIALIZED_KEYS.has(key)) continue;
    const cur = obj[key];
    const next = isSecretKey(key) ? (cur === undefined ? undefined : REDACTED) : walk(cur, 1, [obj]);
    if (next !== cur) (out ??= { ...obj })[key] = next;
  }
  return out ?? obj;
}

/**
 * Query strings are dropped from logged URLs: redirect-login callbacks and the WebSocket carry
 * one-time codes and tokens there (`request_token`, `auth_code`, `access_token`).
 */
function requestSerializer(req: { method?: string; url?: string; id?: string; ip?: string }): Record<string, unknown> {
  return { method: req.method, url: (req.url ?? '').split('?')[0], id: req.id, ip: req.ip };
}

/** pino's own error serializer (type, message, stack with causes, own fields), then redacted. */
function errorSerializer(err: unknown): unknown {
  return redactSecrets(stdSerializers.err(err as Error));
}

/**
 * Secrets never reach a log line: every logged object (request bodies, headers, errors, broker
 * payloads) is walked at any depth, and values under secret-named keys are censored.
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    serializers: { req: requestSerializer, err: errorSerializer },
    // Child-logger bindings are not walked (pino formats them once, without this hook): they carry
    // ids such as run id and request id, never payloads.
    formatters: { log: redactLogObject },
    base: { service: 'ats' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
  };
}
