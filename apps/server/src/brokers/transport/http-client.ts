import { Agent, request as undiciRequest, errors as undiciErrors } from 'undici';

/**
 * Why a request produced no HTTP answer. `connect` means the request never left us, so resending
 * is safe; `timeout` and `reset` mean it may have reached the broker, so an order's outcome is unknown.
 */
export type TransportFailure = 'connect' | 'timeout' | 'reset';

export class TransportError extends Error {
  constructor(
    readonly failure: TransportFailure,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** string bodies are sent as-is; set content-type yourself */
  body?: string;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface HttpClientOptions {
  defaultTimeoutMs?: number;
  connections?: number;
}

/** One keep-alive connection pool for all broker REST calls; per-call timeouts; typed transport failures. */
/** How long one warm-up of an origin counts for (keep-alive keeps the sockets well past this). */
const WARM_REUSE_MS = 5_000;

export class HttpClient {
  private readonly agent: Agent;
  private readonly warmth = new Map<string, { at: number; demand: number; opened: number }>();
  private readonly connections: number;
  private readonly defaultTimeoutMs: number;

  constructor(opts: HttpClientOptions = {}) {
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 5_000;
    this.connections = opts.connections ?? 256;
    this.agent = new Agent({
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 600_000,
      connections: this.connections,
      pipelining: 1,
      connect: { timeout: 3_000 },
    });
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const timeout = req.timeoutMs ?? this.defaultTimeoutMs;
    try {
      const res = await undiciRequest(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        dispatcher: this.agent,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: AbortSignal.timeout(timeout + 50),
      });
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, text };
    } catch (e) {
      throw toTransportError(e);
    }
  }

  /**
   * Opens pooled connections to `origin` ahead of time so a due order pays no TCP/TLS handshake.
   * All accounts of a broker share its origin and this pool. Each call is one order about to go
   * out: the pool is warmed to as many connections as orders announced within the reuse window
   * (up to the pool size), so a burst of thousands of buys at one instant finds its sockets open.
   */
  async warm(origin: string): Promise<void> {
    const now = Date.now();
    let w = this.warmth.get(origin);
    if (!w || now - w.at >= WARM_REUSE_MS) {
      w = { at: now, demand: 0, opened: 0 };
      this.warmth.set(origin, w);
    }
    w.demand += 1;
    const need = Math.min(w.demand, this.connections) - w.opened;
    if (need <= 0) return;
    // Concurrent requests each take a connection of their own, so `need` more get opened.
    w.opened += need;
    await Promise.all(
      Array.from({ length: need }, async () => {
        try {
          const res = await undiciRequest(origin, { method: 'HEAD', dispatcher: this.agent, headersTimeout: 2_000, bodyTimeout: 2_000 });
          await res.body.dump();
        } catch {
          // Warming is best effort; the order path has its own timeouts and error handling.
        }
      }),
    );
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function toTransportError(e: unknown): TransportError {
  const err = e as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code ?? '';
  const msg = err.message ?? String(e);
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    e instanceof undiciErrors.ConnectTimeoutError
  ) {
    return new TransportError('connect', `could not connect: ${msg}`);
  }
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    err.name === 'TimeoutError' ||
    err.name === 'AbortError'
  ) {
    return new TransportError('timeout', `no response in time: ${msg}`);
  }
  return new TransportError('reset', `connection lost: ${msg}`);
}
