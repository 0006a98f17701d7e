import { Http1Pool, type PreparedHttp1Request } from './http1-pool';
import type { Http1Response } from './http1-response-parser';
import { TransportError } from './transport-error';

export { TransportError, type TransportFailure } from './transport-error';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string | URL;
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
  /** see `Http1PoolOptions.pipelineDepth`; 1 (the default here) turns pipelining off */
  pipelineDepth?: number;
}

/** A request built ahead of its send (see HttpClient.prepare); opaque to callers. */
export type PreparedHttpRequest = PreparedHttp1Request;

function asTransportError(e: unknown): TransportError {
  return e instanceof TransportError ? e : new TransportError('reset', `connection lost: ${e instanceof Error ? e.message : String(e)}`);
}

function rethrowAsTransportError(e: unknown): never {
  throw asTransportError(e);
}

function asHttpResponse(res: Http1Response): HttpResponse {
  return { status: res.status, headers: res.headers, text: res.body.toString('utf8') };
}

/** How long one warm-up of an origin counts for (keep-alive keeps the sockets well past this). */
const WARM_REUSE_MS = 5_000;

/** One keep-alive connection pool for all broker REST calls; per-call timeouts; typed transport failures. */
export class HttpClient {
  private readonly pool: Http1Pool;
  private readonly warmth = new Map<string, { at: number; demand: number }>();
  private readonly connections: number;
  private readonly defaultTimeoutMs: number;

  constructor(opts: HttpClientOptions = {}) {
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 5_000;
    this.connections = opts.connections ?? 256;
    this.pool = new Http1Pool({ connections: this.connections, connectTimeoutMs: 3_000, idleTimeoutMs: 60_000, pipelineDepth: opts.pipelineDepth });
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    let p: PreparedHttpRequest;
    try {
      p = this.prepare(req);
    } catch (e) {
      throw asTransportError(e);
    }
    return this.sendPrepared(p);
  }

  /** `req` serialized now, to be sent (once, or again after a refusal) with `sendPrepared`. Throws TransportError. */
  prepare(req: HttpRequest): PreparedHttpRequest {
    return this.pool.prepare({
      method: req.method,
      url: typeof req.url === 'string' ? new URL(req.url) : req.url,
      headers: req.headers ?? {},
      body: req.body ?? null,
      timeoutMs: req.timeoutMs ?? this.defaultTimeoutMs,
    });
  }

  sendPrepared(p: PreparedHttpRequest): Promise<HttpResponse> {
    try {
      // Module-level callbacks: no closures made per request on the hot path.
      return this.pool.sendPrepared(p).then(asHttpResponse, rethrowAsTransportError);
    } catch (e) {
      return Promise.reject(asTransportError(e));
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
      w = { at: now, demand: 0 };
      this.warmth.set(origin, w);
    }
    w.demand += 1;
    await this.pool.warm(origin, Math.min(w.demand, this.connections));
  }

  async close(): Promise<void> {
    this.pool.close();
  }
}
