import type { HttpClient, HttpResponse, PreparedHttpRequest } from '../transport/http-client';

/** Kite answered with its error envelope (or a non-JSON error page). */
export class KiteApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
    /** from a Retry-After header, when Kite sends one */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'KiteApiError';
  }
}

interface KiteEnvelope {
  status?: string;
  data?: unknown;
  message?: string;
  error_type?: string;
}

/** The `data` of Kite's success envelope; anything else is thrown as KiteApiError. */
function kiteData(res: HttpResponse): unknown {
  let parsed: KiteEnvelope | null;
  try {
    parsed = JSON.parse(res.text) as KiteEnvelope;
  } catch {
    parsed = null;
  }
  if (res.status < 300 && parsed?.status === 'success' && !parsed.error_type) return parsed.data;
  const retryAfter = Number(res.headers['retry-after']);
  throw new KiteApiError(
    res.status,
    parsed?.error_type ?? (res.status >= 500 || res.status === 429 ? 'NetworkException' : 'DataException'),
    parsed?.message ?? (res.text.slice(0, 200) || `HTTP ${res.status}`),
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null,
  );
}

export interface KiteCall {
  query?: Array<[string, string]>;
  form?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Kite Connect v3 REST: `X-Kite-Version: 3`, `Authorization: token api_key:access_token`, query
 * params for GET/DELETE, form bodies for POST/PUT, and `{status, data}` envelopes. Throws
 * KiteApiError for Kite's errors and TransportError when there is no answer.
 */
export class KiteRest {
  constructor(
    private readonly http: HttpClient,
    private readonly apiUrl: string,
    private readonly apiKey: string,
    private readonly accessToken: string | null,
  ) {}

  async call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, c: KiteCall = {}): Promise<T> {
    return this.send<T>(this.prepare(method, path, c));
  }

  /**
   * A call built now and sent later with `send` (an order prepared seconds before its due time).
   * Throws TransportError when the request cannot be built.
   */
  prepare(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, c: KiteCall = {}): PreparedHttpRequest {
    const url = new URL(path, this.apiUrl.endsWith('/') ? this.apiUrl : `${this.apiUrl}/`);
    for (const [k, v] of c.query ?? []) url.searchParams.append(k, v);
    const headers: Record<string, string> = { 'x-kite-version': '3' };
    if (this.accessToken) headers.authorization = `token ${this.apiKey}:${this.accessToken}`;
    let body: string | undefined;
    if (c.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(c.form).toString();
    }
    return this.http.prepare({ method, url, headers, body, timeoutMs: c.timeoutMs });
  }

  send<T>(call: PreparedHttpRequest): Promise<T> {
    // A promise callback, not an async frame kept alive per call until its answer (a burst sends thousands).
    return this.http.sendPrepared(call).then(kiteData) as Promise<T>;
  }

  /** CSV endpoints (the instrument master) answer text/csv, not an envelope. */
  async csv(path: string, timeoutMs = 30_000): Promise<string> {
    const url = new URL(path, this.apiUrl.endsWith('/') ? this.apiUrl : `${this.apiUrl}/`);
    const res = await this.http.send({ method: 'GET', url: url.toString(), headers: { 'x-kite-version': '3' }, timeoutMs });
    if (res.status !== 200) throw new KiteApiError(res.status, 'DataException', `instrument master: HTTP ${res.status}`);
    return res.text;
  }
}
