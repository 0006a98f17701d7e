import net from 'node:net';
import { performance } from 'node:perf_hooks';
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
  /**
   * Most requests one connection carries at once (HTTP/1.1 pipelining); 1, the default, turns it
   * off. Used only when every allowed connection is open and busy: a request then goes out behind
   * others on a busy connection instead of waiting in our queue for an answer.
   */
  pipelineDepth?: number;
}

interface Waiter {
  resolve(c: Http1Connection): void;
  reject(e: Error): void;
}

/** A request on a connection, in the order written; its answer comes back in the same order. */
interface InFlight {
  headRequest: boolean;
  /** false while it waits for the next flush (pipelined behind a busy request) */
  written: boolean;
  resolve(r: Http1Response): void;
  reject(e: Error): void;
  /** performance.now() by which the answer must be in */
  deadline: number;
  timeoutMs: number;
}

/**
 * One keep-alive connection. The first request on an idle connection is written at once, whole;
 * requests pipelined behind it are written together once the current task and its promise
 * callbacks are done (a due batch's slice of orders, say), so a burst costs
 * one write per connection, not one per request. Answers are matched to requests in order.
 * Anything odd (a cut-off answer, bytes nobody asked for, a timeout) ends the connection, so a
 * late answer can never be taken for another request's. When it ends, a request already written
 * may have reached the server (`reset`/`timeout`: its outcome is unknown); one not yet written
 * never left (`connect`).
 */
class Http1Connection {
  private readonly queue: InFlight[] = [];
  /** parses the answer to queue[0] */
  private parser: Http1ResponseParser | null = null;
  private unwritten: Buffer[] = [];
  private idleTimer: NodeJS.Timeout | null = null;
  /**
   * One timer for the connection's earliest deadline, not one per request: at a burst, ten thousand
   * requests would each allocate a timer and clear it moments later. It is not moved when that
   * request is answered; it wakes up, finds nothing late, and sleeps until the next deadline.
   */
  private deadlineTimer: NodeJS.Timeout | null = null;
  private deadlineAt = Infinity;
  alive = true;
  /** handed out by the pool for a request not yet registered here: counts against the depth */
  reserved = 0;

  constructor(
    private readonly socket: net.Socket,
    private readonly onGone: (c: Http1Connection) => void,
    /** each request's end, answered (`res`) or failed (null), for the pool's bookkeeping */
    private readonly onSettled: (c: Http1Connection, res: Http1Response | null) => void,
  ) {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('end', () => this.onEnd());
    socket.on('error', (e) => this.fail(new TransportError('reset', `connection lost: ${e.message}`)));
    socket.on('close', () => this.fail(new TransportError('reset', 'connection closed by the server')));
  }

  /** Requests written or about to be, whose answers have not arrived. */
  get inFlight(): number {
    return this.queue.length;
  }

  /** `wire` is the whole request, head and body. */
  request(wire: Buffer, headRequest: boolean, timeoutMs: number): Promise<Http1Response> {
    this.clearIdle();
    if (this.reserved > 0) this.reserved -= 1;
    // Ended between being handed out and used: nothing is written, so the request never left.
    if (!this.alive) {
      this.onSettled(this, null);
      return Promise.reject(new TransportError('connect', 'connection ended before the request was written'));
    }
    return new Promise<Http1Response>((resolve, reject) => {
      const entry: InFlight = { headRequest, written: false, resolve, reject, deadline: performance.now() + timeoutMs, timeoutMs };
      this.queue.push(entry);
      this.wakeBy(entry.deadline);
      if (this.queue.length === 1) {
        this.parser = new Http1ResponseParser(headRequest);
        entry.written = true;
        this.socket.write(wire);
        return;
      }
      this.unwritten.push(wire);
      // After this task's promise callbacks, not at the next turn: a slice of due orders runs its
      // sends in promise callbacks, and they should leave now, together, not behind the next slice.
      if (this.unwritten.length === 1) process.nextTick(() => this.flush());
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

  private flush(): void {
    if (!this.alive || this.unwritten.length === 0) return;
    const wire = this.unwritten.length === 1 ? (this.unwritten[0] as Buffer) : Buffer.concat(this.unwritten);
    this.unwritten = [];
    for (const e of this.queue) e.written = true;
    this.socket.write(wire);
  }

  private wakeBy(at: number): void {
    if (this.deadlineTimer && this.deadlineAt <= at) return;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineAt = at;
    // Unref'd: a request in flight keeps its socket, and so the process, alive anyway.
    this.deadlineTimer = setTimeout(this.onDeadline, Math.max(0, Math.ceil(at - performance.now()))).unref();
  }

  private readonly onDeadline = (): void => {
    this.deadlineTimer = null;
    this.deadlineAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const e of this.queue) {
      if (e.deadline <= now) return this.fail(new TransportError('timeout', `no response in ${e.timeoutMs} ms`), e);
      next = Math.min(next, e.deadline);
    }
    if (next < Infinity) this.wakeBy(next);
  };

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private onData(d: Buffer): void {
    // One read may hold several answers, and the start of the next.
    for (let chunk = d; chunk.length > 0 && this.alive; ) {
      const parser = this.parser;
      if (!parser || !this.queue[0]?.written) {
        // Nobody asked: the connection is out of step with us and cannot be trusted.
        this.destroy();
        return;
      }
      let res: Http1Response | null;
      try {
        res = parser.push(chunk);
      } catch (e) {
        this.fail(new TransportError('reset', `bad response: ${e instanceof Error ? e.message : String(e)}`));
        return;
      }
      if (!res) return;
      chunk = parser.takeLeftover();
      this.complete(res, res.close);
    }
  }

  private onEnd(): void {
    const res = this.parser?.end() ?? null;
    if (res && this.queue.length > 0) this.complete(res, true);
    else this.fail(new TransportError('reset', 'connection closed by the server before the response was complete'));
  }

  /** The answer to the oldest request is in; `last` when the connection ends with it. */
  private complete(res: Http1Response, last: boolean): void {
    const e = this.queue.shift() as InFlight;
    const next = this.queue[0];
    this.parser = next ? new Http1ResponseParser(next.headRequest) : null;
    // A server that ends the connection after this answer leaves the ones behind it unanswered.
    if (last) this.fail(new TransportError('reset', 'the server ended the connection with this request unanswered'));
    e.resolve(res);
    this.onSettled(this, res);
  }

  /** Ends the connection; `culprit` (default: the oldest request) gets `e`, the others what applies to them. */
  private fail(e: TransportError, culprit?: InFlight): void {
    const all = this.queue.splice(0);
    this.parser = null;
    this.unwritten = [];
    const first = culprit ?? all[0];
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = null;
    this.deadlineAt = Infinity;
    for (const x of all) {
      if (!x.written) x.reject(new TransportError('connect', `connection ended before the request was written (${e.message})`));
      else if (x === first) x.reject(e);
      else x.reject(new TransportError('reset', `connection ended with the request in flight (${e.message})`));
    }
    this.close();
    for (let i = 0; i < all.length; i++) this.onSettled(this, null);
  }

  private close(): void {
    this.clearIdle();
    if (!this.alive) return;
    this.alive = false;
    this.socket.destroy();
    this.onGone(this);
  }
}

/**
 * The connections to one origin: idle ones reused newest first, a bounded number in all, and when
 * all are busy, room on a busy one (up to the pipeline depth) before any waiting.
 */
class OriginPool {
  private readonly idle: Http1Connection[] = [];
  private readonly all: Http1Connection[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly depth: number;
  /** the connection pipelined onto last: filled to the depth before the next */
  private cursor = 0;
  private opening = 0;
  private open = 0;
  /** the server's idle limit, learnt from its Keep-Alive header */
  private serverIdleMs: number | null = null;

  constructor(
    private readonly url: URL,
    private readonly o: Http1PoolOptions,
  ) {
    this.depth = Math.max(1, Math.floor(o.pipelineDepth ?? 1));
  }

  get size(): number {
    return this.open + this.opening;
  }

  /**
   * A connection usable this instant without opening one: an idle one (newest first), else room
   * on a busy one once no more may open. It is reserved for one request until that request is
   * written on it or it comes back unused (`giveBack`).
   */
  takeNow(): Http1Connection | null {
    let c: Http1Connection | null | undefined;
    for (c = this.idle.pop(); c && !c.alive; c = this.idle.pop());
    c ??= this.size >= this.o.connections ? this.takeRoom() : null;
    if (c) c.reserved += 1;
    return c;
  }

  async acquire(): Promise<Http1Connection> {
    const c = this.takeNow();
    if (c) return c;
    if (this.size < this.o.connections) return this.connect();
    return new Promise<Http1Connection>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private readonly settled = (c: Http1Connection, res: Http1Response | null): void => this.release(c, res);

  /** A request on `c` got its answer (or failed). */
  release(c: Http1Connection, res: Http1Response | null): void {
    if (res?.keepAliveSeconds) this.serverIdleMs = res.keepAliveSeconds * 1000;
    if (!c.alive) return this.refill();
    this.offerRoom(c);
    if (c.inFlight > 0 || c.reserved > 0) return;
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
          this.giveBack(await this.connect());
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

  /** `c`, handed out by the pool, was not used after all. */
  giveBack(c: Http1Connection): void {
    if (c.reserved > 0) c.reserved -= 1;
    this.release(c, null);
  }

  /** Hands `c` to queued requests while it has room: pipelining, when the depth allows it. */
  offerRoom(c: Http1Connection): void {
    while (this.waiters.length > 0 && c.alive && c.inFlight + c.reserved < this.depth) {
      c.reserved += 1;
      (this.waiters.shift() as Waiter).resolve(c);
    }
  }

  /**
   * Room on a busy connection. The one last used is filled first: requests pipelined together
   * leave in one write and reach the server in one read, where spreading them one per connection
   * would cost a write and a read each, on both sides.
   */
  private takeRoom(): Http1Connection | null {
    if (this.depth === 1) return null;
    const n = this.all.length;
    for (let i = 0; i < n; i++) {
      const at = (this.cursor + i) % n;
      const c = this.all[at] as Http1Connection;
      if (c.alive && c.inFlight + c.reserved < this.depth) {
        this.cursor = at;
        return c;
      }
    }
    return null;
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
        const c = new Http1Connection(
          socket,
          () => {
            this.open -= 1;
            this.all.splice(this.all.indexOf(c), 1);
            this.refill();
          },
          this.settled,
        );
        this.all.push(c);
        // Opened for whoever asked: reserved for them like a connection taken from the pool.
        c.reserved = 1;
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
 * A lean HTTP/1.1 client for broker REST: per-origin keep-alive pools, requests written in one
 * piece, and pipelining (opt-in) once every connection is busy. It exists because the order path is
 * latency-critical: at a burst of 10,000 orders due at one instant, a general-purpose client's
 * per-request cost (streams, abort signals, dispatch layers) was most of the engine's CPU, and one
 * write and one read per request on each side were most of what was left.
 */
export class Http1Pool {
  private readonly origins = new Map<string, OriginPool>();

  constructor(private readonly o: Http1PoolOptions) {}

  send(req: Http1Request): Promise<Http1Response> {
    let p: PreparedHttp1Request;
    try {
      p = this.prepare(req);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return this.sendPrepared(p);
  }

  /**
   * Serializes `req` now, for `sendPrepared` later: an order built seconds before its due time
   * leaves with no URL parsing, header building or encoding at the instant it is due. Throws
   * TransportError('connect') for a header that could not be sent.
   */
  prepare(req: Http1Request): PreparedHttp1Request {
    return { url: req.url, origin: req.url.origin, wire: Buffer.from(serializeHead(req) + (req.body ?? ''), 'utf8'), headRequest: req.method === 'HEAD', timeoutMs: req.timeoutMs };
  }

  /** Sends a prepared request; its timeout counts from now. It may be sent again (a retry after a 429). */
  sendPrepared(p: PreparedHttp1Request): Promise<Http1Response> {
    const pool = this.pool(p.url, p.origin);
    const deadline = Date.now() + p.timeoutMs;
    // The common case, a warm connection, goes out in this very turn, with no closure made for it
    // (the connection tells the pool when the request ends).
    const now = pool.takeNow();
    return now ? exchange(pool, now, p, deadline) : acquireWithin(pool, p.timeoutMs).then((c) => exchange(pool, c, p, deadline));
  }

  /** Open `connections` connections to `origin` ahead of the requests that will need them. */
  warm(origin: string, connections: number): Promise<void> {
    const url = new URL(origin);
    return this.pool(url, url.origin).warm(connections);
  }

  close(): void {
    for (const p of this.origins.values()) p.close();
    this.origins.clear();
  }

  private pool(url: URL, origin: string): OriginPool {
    let p = this.origins.get(origin);
    if (!p) {
      p = new OriginPool(url, this.o);
      this.origins.set(origin, p);
    }
    return p;
  }
}

/** A request serialized ahead of its send: head and body as the bytes that go on the wire. */
export interface PreparedHttp1Request {
  readonly url: URL;
  /** `url.origin`, kept: the getter builds a new string per call, and this is read at every send */
  readonly origin: string;
  readonly wire: Buffer;
  readonly headRequest: boolean;
  readonly timeoutMs: number;
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

/** Writes `p` on `c`, handed out by `pool` for it; the answer (or failure) releases `c` by itself. */
function exchange(pool: OriginPool, c: Http1Connection, p: PreparedHttp1Request, deadline: number): Promise<Http1Response> {
  const left = deadline - Date.now();
  if (left < Math.min(MIN_SEND_BUDGET_MS, p.timeoutMs / 2)) {
    // Written with almost no time left, an order would time out as "unknown" though it went
    // out: better to say truthfully that it never left.
    pool.giveBack(c);
    return Promise.reject(new TransportError('connect', `no connection free in time (${p.timeoutMs - left} ms waited)`));
  }
  try {
    const answer = c.request(p.wire, p.headRequest, left);
    pool.offerRoom(c);
    return answer;
  } catch (e) {
    pool.release(c, null);
    return Promise.reject(e as Error);
  }
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
        if (gaveUp) pool.giveBack(c);
        else resolve(c);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof TransportError ? e : new TransportError('connect', String(e)));
      },
    );
  });
}
