import { BrokerError } from '../../domain/errors';
import { TransportError, type HttpClient, type PreparedHttpRequest } from '../transport/http-client';

export type FyersBody = Record<string, unknown>;

export interface FyersReply {
  status: number;
  /** the parsed JSON envelope; null when the body was not JSON (a gateway page, an empty 5xx) */
  body: FyersBody | null;
  retryAfterMs: number | null;
}

/** -8 expired, -15 invalid, -16 cannot authenticate, -17 invalid or expired (brokers.md §3.2). */
const TOKEN_CODES = new Set([-8, -15, -16, -17]);

export function fyersCode(r: FyersReply): number | null {
  const c = r.body?.code;
  return typeof c === 'number' ? c : null;
}

export function fyersMessage(r: FyersReply, fallback = 'Fyers returned an error'): string {
  const m = r.body?.message;
  return typeof m === 'string' && m ? m : fallback;
}

export function isTokenError(r: FyersReply): boolean {
  const c = fyersCode(r);
  return r.status === 401 || (c !== null && TOKEN_CODES.has(c));
}

export function isRateLimited(r: FyersReply): boolean {
  return r.status === 429 || fyersCode(r) === -429;
}

export function isOk(r: FyersReply): boolean {
  return r.status >= 200 && r.status < 300 && r.body?.s === 'ok';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Fyers REST over the shared keep-alive pool: `Authorization: <app_id>:<access_token>` on every
 * call, JSON bodies (DELETE carries one too), and the `{s, code, message}` envelope.
 */
export class FyersRest {
  constructor(
    private readonly http: HttpClient,
    private readonly authorization: () => string | null,
    /** the documented rate: a 429 is retried no sooner than one slot of it */
    private readonly ratePerSecond: number,
    private readonly timeoutMs = 5_000,
  ) {}

  /**
   * A request built now (authorization, JSON body) for sendPrepared, once or again after a 429: an
   * order built seconds before its due time leaves with nothing left to build. Throws TransportError.
   */
  prepare(method: 'GET' | 'POST' | 'DELETE' | 'PATCH', url: string, body?: unknown, timeoutMs?: number): PreparedHttpRequest {
    const headers: Record<string, string> = { accept: 'application/json' };
    const auth = this.authorization();
    if (auth) headers.authorization = auth;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return this.http.prepare({ method, url, headers, body: body === undefined ? undefined : JSON.stringify(body), timeoutMs: timeoutMs ?? this.timeoutMs });
  }

  /** One exchange with Fyers; throws TransportError when no HTTP answer came back. */
  async send(method: 'GET' | 'POST' | 'DELETE' | 'PATCH', url: string, body?: unknown, timeoutMs?: number): Promise<FyersReply> {
    return this.sendPrepared(this.prepare(method, url, body, timeoutMs));
  }

  async sendPrepared(call: PreparedHttpRequest): Promise<FyersReply> {
    const res = await this.http.sendPrepared(call);
    let parsed: FyersBody | null = null;
    try {
      const v = JSON.parse(res.text) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) parsed = v as FyersBody;
    } catch {
      parsed = null;
    }
    const ra = Number(res.headers['retry-after']);
    return { status: res.status, body: parsed, retryAfterMs: Number.isFinite(ra) && ra > 0 ? ra * 1000 : null };
  }

  /** How long to wait after a 429 before the next attempt. */
  backoffMs(r: FyersReply): number {
    return Math.max(r.retryAfterMs ?? 0, Math.ceil(1000 / this.ratePerSecond));
  }

  /**
   * A read or a cancel: 429 is retried after the broker's pause, and every other failure becomes a
   * typed BrokerError. Not for placement, whose outcome needs the AMBIGUOUS distinction.
   */
  async call(method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, attempts = 3): Promise<FyersBody> {
    for (let attempt = 1; ; attempt++) {
      let r: FyersReply;
      try {
        r = await this.send(method, url, body);
      } catch (e) {
        if (e instanceof TransportError) throw new BrokerError('BROKER_UNAVAILABLE', `Fyers did not answer: ${e.message}`);
        throw e;
      }
      if (isRateLimited(r)) {
        if (attempt >= attempts) throw new BrokerError('BROKER_RATE_LIMITED', fyersMessage(r, 'Fyers rate limit reached'), '-429');
        await sleep(this.backoffMs(r));
        continue;
      }
      if (isOk(r) && r.body) return r.body;
      throw toBrokerError(r);
    }
  }
}

export function toBrokerError(r: FyersReply): BrokerError {
  const code = fyersCode(r);
  const brokerCode = code === null ? String(r.status) : String(code);
  if (isTokenError(r)) return new BrokerError('BROKER_TOKEN_EXPIRED', fyersMessage(r, 'Fyers session expired'), brokerCode);
  if (isRateLimited(r)) return new BrokerError('BROKER_RATE_LIMITED', fyersMessage(r, 'Fyers rate limit reached'), brokerCode);
  if (r.status >= 500 || r.body === null) return new BrokerError('BROKER_UNAVAILABLE', `Fyers error (HTTP ${r.status}): ${fyersMessage(r, 'no details')}`, brokerCode);
  return new BrokerError('BROKER_REJECTED', fyersMessage(r), brokerCode);
}
