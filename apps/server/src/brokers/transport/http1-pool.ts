import net from 'node:net';
import tls from 'node:tls';
import { Http1ResponseParser, type Http1Response } from './http1-response-parser';
import { TransportError } from './transport-error';

/** A request that waited for a connection is written only with this much (or half its timeout) left. */
const MIN_SEND_BUDGET_MS = 1_000;

export interface Http1PoolOptions {
  /** most open connections per origin */
  connections: number;
  connectTimeoutMs: number;
  /** an idle connection is closed after this long, or 1 s before the server's Keep-Alive timeout */
  idleTimeoutMs: number;
}

interface Waiter {
  resolve(c: Http1Connection): void;
  reject(e: Error): void;
}

/**
 * One keep-alive connection, one request at a time. A request is written whole in one write, and
 * the answer is parsed as it arrives; anything odd (a cut-off answer, bytes nobody asked for, a
 * timeout) ends the connection, so a late answer can never be taken for the next request's.
 */
class Http1Connection {
  private parser: Http1ResponseParser | null = null;
  private pending: { resolve(r: Http1Response): void; reject(e: Error): void; timer: NodeJS.Timeout } | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  alive = true;

  constructor(
    private readonly socket: net.Socket,
    private readonly onGone: (c: Http1Connection) => void,
  ) {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('end', () => this.onEnd());
    socket.on('error', (e) => this.fail(new TransportError('reset', `connection lost: ${e.message}`)));
    socket.on('close', () => this.fail(new TransportError('reset', 'connection closed by the server')));
  }

  /** `wire` is the whole request, head and body, written in one piece. */
  request(wire: string, headRequest: boolean, timeoutMs: number): Promise<Http1Response> {
    this.clearIdle();
    this.parser = new Http1ResponseParser(headRequest);
    return new Promise<Http1Response>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new TransportError('timeout', `no response in ${timeoutMs} ms`)), timeoutMs);
      this.pending = { resolve, reject, timer };
      this.socket.write(wire, 'utf8');
    });
  }

  /** Close after `ms` of idleness, unless used again first. */
  idleFor(ms: number): void {
    this.clearIdle();
    this.idleTimer = setTimeout(() => this.destroy(), ms);
    this.idleTimer.unref();
  }

  destroy(): void {
    this.fail(new TransportError('reset', 'connection closed'));
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private onData(d: Buffer): void {
    const parser = this.parser;
    if (!parser || !this.pending) {
      // Nobody asked: the connection is out of step with us and cannot be trusted.
      this.destroy();
      return;
    }
    let res: Http1Response | null;
    try {
      res = parser.push(d);
    } catch (e) {
      this.fail(new TransportError('reset', `bad response: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    if (res) this.complete(res, parser.leftover > 0);
  }

  private onEnd(): void {
    const res = this.parser?.end() ?? null;
    if (res && this.pending) this.complete(res, true);
    else this.fail(new TransportError('reset', 'connection closed by the server before the response was complete'));
  }

  private complete(res: Http1Response, mustClose: boolean): void {
    const p = this.pending as NonNullable<typeof this.pending>;
    clearTimeout(p.timer);
    this.pending = null;
    this.parser = null;
    if (mustClose || res.close) this.close();
    p.resolve(res);
  }

  private fail(e: Error): void {
    const p = this.pending;
    this.pending = null;
    this.parser = null;
    if (p) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.close();
  }

  private close(): void {
    this.clearIdle();
    if (!this.alive) return;
    this.alive = false;
    this.socket.destroy();
    this.onGone(this);
  }
}

/** The connections to one origin: idle ones reused newest first, a bounded number in all. */
class OriginPool {
  private readonly idle: Http1Connection[] = [];
  private readonly all = new Set<Http1Connection>();
  private readonly waiters: Waiter[] = [];
  private opening = 0;
  private open = 0;
  /** the server's idle limit, learnt from its Keep-Alive header */
  private serverIdleMs: number | null = null;

  constructor(
    private readonly url: URL,
    private readonly o: Http1PoolOptions,
  ) {}

  get size(): number {
    return this.open + this.opening;
  }

  /** An open idle connection, newest first, or null. */
  takeIdle(): Http1Connection | null {
    for (let c = this.idle.pop(); c; c = this.idle.pop()) if (c.alive) return c;
    return null;
  }

  async acquire(): Promise<Http1Connection> {
    const c = this.takeIdle();
    if (c) return c;
    if (this.size < this.o.connections) return this.connect();
    return new Promise<Http1Connection>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  release(c: Http1Connection, res: Http1Response | null): void {
    if (res?.keepAliveSeconds) this.serverIdleMs = res.keepAliveSeconds * 1000;
    if (!c.alive) return this.refill();
    const w = this.waiters.shift();
    if (w) return w.resolve(c);
    // Close before the server would: a request written to a connection the server is closing may be lost.
    c.idleFor(Math.max(0, Math.min(this.o.idleTimeoutMs, (this.serverIdleMs ?? Infinity) - 1_000)));
    this.idle.push(c);
  }

  /** Open connections until `n` are open (or the limit is reached). */
  async warm(n: number): Promise<void> {
    const need = Math.min(n, this.o.connections) - this.size;
    await Promise.all(
      Array.from({ length: Math.max(0, need) }, async () => {
        try {
          this.release(await this.connect(), null);
        } catch {
          // Best effort: the order path has its own timeouts and error handling.
        }
      }),
    );
  }

  close(): void {
    this.idle.length = 0;
    for (const w of this.waiters.splice(0)) w.reject(new TransportError('connect', 'client closed'));
    // Busy ones too: shutdown must not wait for an answer that may take a minute.
    for (const c of [...this.all]) c.destroy();
  }

  private connect(): Promise<Http1Connection> {
    this.opening += 1;
    const port = Number(this.url.port) || (this.url.protocol === 'https:' ? 443 : 80);
    const host = this.url.hostname.replace(/^\[|\]$/g, '');
    return new Promise<Http1Connection>((resolve, reject) => {
      let socket: net.Socket;
      try {
        socket =
          this.url.protocol === 'https:'
            ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'] })
            : net.connect({ host, port });
      } catch (e) {
        this.opening -= 1;
        reject(new TransportError('connect', `could not connect: ${e instanceof Error ? e.message : String(e)}`));
        return;
      }
      const ready = this.url.protocol === 'https:' ? 'secureConnect' : 'connect';
      const timer = setTimeout(() => socket.destroy(new Error(`connect timeout after ${this.o.connectTimeoutMs} ms`)), this.o.connectTimeoutMs);
      const failed = (e: Error): void => {
        clearTimeout(timer);
        this.opening -= 1;
        reject(new TransportError('connect', `could not connect: ${e.message}`));
        // Whoever waits for a connection should not wait on one that will never come.
        this.refill();
      };
      socket.once('error', failed);
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.off('error', failed);
        this.opening -= 1;
        this.open += 1;
        const c = new Http1Connection(socket, () => {
          this.open -= 1;
          this.all.delete(c);
          this.refill();
        });
        this.all.add(c);
        resolve(c);
      });
    });
  }

  /** A connection went away: a queued request may now open its own. */
  private refill(): void {
    const w = this.waiters.length > 0 && this.size < this.o.connections ? this.waiters.shift() : undefined;
    if (w) this.connect().then(w.resolve, w.reject);
  }
}

export interface Http1Request {
  method: string;
  url: URL;
  headers: Record<string, string>;
  /** sent as UTF-8 with its Content-Length */
  body: string | null;
  timeoutMs: number;
}

/**
 * A lean HTTP/1.1 client for broker REST: per-origin keep-alive pools, one request per connection
 * at a time, requests written in one piece. It exists because the order path is latency-critical:
 * at a burst of 10,000 orders due at one instant, a general-purpose client's per-request cost
 * (streams, abort signals, dispatch layers) was most of the engine's CPU.
 */
export class Http1Pool {
  private readonly origins = new Map<string, OriginPool>();

  constructor(private readonly o: Http1PoolOptions) {}

  send(req: Http1Request): Promise<Http1Response> {
    let wire: string;
    try {
      wire = serializeHead(req) + (req.body ?? '');
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const pool = this.pool(req.url);
    const deadline = Date.now() + req.timeoutMs;
    const exchange = async (c: Http1Connection): Promise<Http1Response> => {
      const left = deadline - Date.now();
      if (left < Math.min(MIN_SEND_BUDGET_MS, req.timeoutMs / 2)) {
        // Written with almost no time left, an order would time out as "unknown" though it went
        // out: better to say truthfully that it never left.
        pool.release(c, null);
        throw new TransportError('connect', `no connection free in time (${req.timeoutMs - left} ms waited)`);
      }
      let res: Http1Response | null = null;
      try {
        res = await c.request(wire, req.method === 'HEAD', left);
        return res;
      } finally {
        pool.release(c, res);
      }
    };
    // The common case, a warm idle connection, goes out in this very turn.
    const idle = pool.takeIdle();
    return idle ? exchange(idle) : acquireWithin(pool, req.timeoutMs).then(exchange);
  }

  /** Open `connections` connections to `origin` ahead of the requests that will need them. */
  warm(origin: string, connections: number): Promise<void> {
    return this.pool(new URL(origin)).warm(connections);
  }

  close(): void {
    for (const p of this.origins.values()) p.close();
    this.origins.clear();
  }

  private pool(url: URL): OriginPool {
    let p = this.origins.get(url.origin);
    if (!p) {
      p = new OriginPool(url, this.o);
      this.origins.set(url.origin, p);
    }
    return p;
  }
}

function serializeHead(req: Http1Request): string {
  let head = `${req.method} ${req.url.pathname}${req.url.search} HTTP/1.1\r\nhost: ${req.url.host}\r\n`;
  for (const [k, v] of Object.entries(req.headers)) {
    // A CR or LF in a header would let a value write headers of its own.
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new TransportError('connect', `header ${JSON.stringify(k)} contains a line break`);
    head += `${k}: ${v}\r\n`;
  }
  if (req.body || req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') head += `content-length: ${req.body ? Buffer.byteLength(req.body) : 0}\r\n`;
  return `${head}\r\n`;
}

/**
 * Waiting for a connection is bounded by the request's own timeout; such a request never left us.
 * A connection that turns up after the wait gave up goes back to the pool.
 */
function acquireWithin(pool: OriginPool, ms: number): Promise<Http1Connection> {
  return new Promise<Http1Connection>((resolve, reject) => {
    let gaveUp = false;
    const timer = setTimeout(() => {
      gaveUp = true;
      reject(new TransportError('connect', `no connection free within ${ms} ms`));
    }, ms);
    pool.acquire().then(
      (c) => {
        clearTimeout(timer);
        if (gaveUp) pool.release(c, null);
        else resolve(c);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof TransportError ? e : new TransportError('connect', String(e)));
      },
    );
  });
}
