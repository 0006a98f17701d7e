import { BrokerError } from '../../domain/errors';
import type { HttpClient, HttpRequest } from '../transport/http-client';

/** Dhan's error envelope, `{errorType, errorCode: "DH-9xx", errorMessage}`, plus the HTTP status it came with. */
export interface DhanApiError {
  status: number;
  code: string;
  type: string;
  message: string;
  /** from Retry-After, when Dhan sends one */
  retryAfterMs: number | null;
}

export type DhanReply = { ok: true; status: number; body: unknown } | { ok: false; error: DhanApiError };

export interface DhanAuthHeaders {
  clientId: string;
  accessToken: string;
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function retryAfterMs(h: string | string[] | undefined): number | null {
  const v = Array.isArray(h) ? h[0] : h;
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n * 1000 : null;
}

/**
 * One Dhan REST call with the account's headers. Transport failures propagate as TransportError
 * (the caller decides: a lost order response is AMBIGUOUS, a lost read is BROKER_UNAVAILABLE).
 */
export async function dhanCall(http: HttpClient, req: HttpRequest, auth: DhanAuthHeaders | null): Promise<DhanReply> {
  const headers: Record<string, string> = { accept: 'application/json', ...(req.headers ?? {}) };
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  if (auth) {
    headers['access-token'] = auth.accessToken;
    headers['client-id'] = auth.clientId;
  }
  const res = await http.send({ ...req, headers });
  const body = parseJson(res.text);
  if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, body };
  const e = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  return {
    ok: false,
    error: {
      status: res.status,
      code: typeof e.errorCode === 'string' ? e.errorCode : `HTTP-${res.status}`,
      type: typeof e.errorType === 'string' ? e.errorType : '',
      message: typeof e.errorMessage === 'string' ? e.errorMessage : typeof body === 'string' && body ? body.slice(0, 200) : `HTTP ${res.status}`,
      retryAfterMs: retryAfterMs(res.headers['retry-after']),
    },
  };
}

export function isTokenError(e: DhanApiError): boolean {
  return e.code === 'DH-901' || e.status === 401;
}

export function isRateLimited(e: DhanApiError): boolean {
  return e.code === 'DH-904' || e.status === 429;
}

/** 5xx, or Dhan's internal/network error codes: the broker could not say. */
export function isServerSide(e: DhanApiError): boolean {
  return e.status >= 500 || e.code === 'DH-908' || e.code === 'DH-909';
}

/** A failed non-order call as a typed error. */
export function dhanBrokerError(e: DhanApiError): BrokerError {
  const text = `${e.message} (${e.code})`;
  if (isTokenError(e)) return new BrokerError('BROKER_TOKEN_EXPIRED', `Dhan session expired or invalid: ${text}`, e.code);
  if (isRateLimited(e)) return new BrokerError('BROKER_RATE_LIMITED', `Dhan rate limit: ${text}`, e.code);
  if (isServerSide(e)) return new BrokerError('BROKER_UNAVAILABLE', `Dhan unavailable: ${text}`, e.code);
  return new BrokerError('BROKER_REJECTED', text, e.code);
}
