/**
 * What one SmartAPI HTTP answer means. Angel speaks two dialects: the API's
 * `{status, message, errorcode, data}` and the gateway's `{success, message, errorCode, data}`,
 * with booleans and numbers sometimes sent as strings, plus a bare-text 403 for rate limits.
 */
export type AngelReply =
  | { kind: 'ok'; data: unknown }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'token'; code: string; message: string }
  | { kind: 'rate_limited'; message: string; retryAfterMs: number | null }
  | { kind: 'server'; httpStatus: number; message: string };

/** Codes that mean the session is gone: log in again (AG8001 invalid, AG8002 expired, AG8003 missing; AB1010/AB1011 AMX session). */
const TOKEN_CODES = new Set(['AG8001', 'AG8002', 'AG8003', 'AB1010', 'AB1011']);
/** "Something went wrong" / internal error: the request may or may not have been acted on. */
const SERVER_CODES = new Set(['AB1004', 'AB2001']);

const RATE_TEXT = /exceeding access rate/i;

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === 'True';
}

function retryAfter(headers: Record<string, string | string[] | undefined>): number | null {
  const raw = headers['retry-after'];
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === undefined) return null;
  const s = Number(v);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : null;
}

export function classifyAngelResponse(httpStatus: number, headers: Record<string, string | string[] | undefined>, text: string): AngelReply {
  if (RATE_TEXT.test(text) || httpStatus === 429) {
    return { kind: 'rate_limited', message: text.trim() || 'rate limited', retryAfterMs: retryAfter(headers) };
  }
  let body: Record<string, unknown> | null = null;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    body = null;
  }
  const code = String(body?.errorcode ?? body?.errorCode ?? '').trim();
  const message = String(body?.message ?? '').trim();
  if (TOKEN_CODES.has(code)) return { kind: 'token', code, message: message || 'Invalid Token' };
  if (httpStatus === 401) return { kind: 'token', code: code || 'HTTP401', message: message || 'Unauthorized' };
  if (httpStatus >= 500) return { kind: 'server', httpStatus, message: message || `HTTP ${httpStatus}` };
  if (!body) {
    return httpStatus >= 400
      ? { kind: 'error', code: `HTTP${httpStatus}`, message: text.trim().slice(0, 200) || `HTTP ${httpStatus}` }
      : { kind: 'server', httpStatus, message: 'unreadable response from Angel One' };
  }
  if (truthy(body.status) || truthy(body.success)) {
    return httpStatus < 400 ? { kind: 'ok', data: body.data ?? null } : { kind: 'error', code: code || `HTTP${httpStatus}`, message };
  }
  if (SERVER_CODES.has(code)) return { kind: 'server', httpStatus, message: message || code };
  return { kind: 'error', code: code || `HTTP${httpStatus}`, message: message || 'request refused by Angel One' };
}
