import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';

/** One parsed request: the head as sent (header names lower-cased, repeats joined) and the whole body. */
export interface Http1Request {
  readonly method: string;
  /** the request target as sent: path and query */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** the body decoded as UTF-8 ('' when there is none) */
  readonly body: string;
}

/** How a handler answers one request: once, by `reply` or `hold`; later calls are ignored. */
export interface Http1Responder {
  reply(status: number, headers: Readonly<Record<string, string>>, body: string | Buffer): void;
  /** Never answer: the connection is destroyed after `holdMs` (a response lost on the way). */
  hold(holdMs: number): void;
}

export interface Http1ServerOptions {
  onRequest(req: Http1Request, res: Http1Responder): void;
  /** A `Connection: upgrade` GET; the socket is handed over with the bytes read past the head. */
  onUpgrade?(req: Http1Request, socket: Socket, head: Buffer): void;
  /** an idle connection is closed after this long (ms) */
  idleTimeoutMs: number;
}

export interface Http1Server {
  /** Listens on 127.0.0.1; resolves to the bound port. */
  listen(port: number): Promise<number>;
  /** Stops accepting and destroys every open connection, upgraded ones included. */
  close(): Promise<void>;
}

const MAX_HEAD_BYTES = 64 * 1024;
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * A small HTTP/1.1 server for the broker sims: keep-alive, pipelining with answers in request order,
 * Content-Length and chunked request bodies, `Expect: 100-continue`, upgrades handed to the caller.
 * Why not `node:http`: the benchmarks measure at the sim, which shares two cores with the engine
 * under test, and node:http's per-response objects, stream machinery and one write per response
 * were a third of the sim's CPU per order. Here the answers to a pipelined batch leave in one write.
 */
export function createHttp1Server(opts: Http1ServerOptions): Http1Server {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    new Http1Connection(socket, opts);
  });
  return {
    listen: (port) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          const a = server.address();
          resolve(typeof a === 'object' && a ? a.port : port);
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * One request's place in its connection's answer queue, and the handler's way to answer it (a
 * class, not closures made per request: under tsx each closure also pays for its `name`).
 */
class Slot implements Http1Responder {
  /** the rendered answer; null until the handler replies */
  wire: string | Buffer | null = null;
  private answered = false;

  constructor(
    private readonly conn: Http1Connection,
    private readonly headOnly: boolean,
    /** the connection ends once this answer is written */
    readonly last: boolean,
  ) {}

  reply(status: number, headers: Readonly<Record<string, string>>, body: string | Buffer): void {
    if (this.answered) return;
    this.answered = true;
    this.wire = render(status, headers, body, this.headOnly, this.last);
    this.conn.drain();
  }

  hold(holdMs: number): void {
    if (this.answered) return;
    this.answered = true;
    this.conn.destroyAfter(holdMs);
  }
}

type Parsed = { req: Http1Request; next: number; last: boolean; upgrade: boolean } | 'more' | { error: number };

class Http1Connection {
  private buf: Buffer = EMPTY;
  /** answers not yet written, in request order (pipelined answers may finish out of order) */
  private readonly slots: Slot[] = [];
  private readonly out: Array<string | Buffer> = [];
  private parsing = false;
  /** no request after this one is read: it asked to close, or could not be parsed */
  private stopped = false;
  private continued = false;

  constructor(
    private readonly socket: Socket,
    private readonly opts: Http1ServerOptions,
  ) {
    socket.setNoDelay(true);
    socket.setTimeout(opts.idleTimeoutMs);
    socket.on('timeout', this.onIdle);
    socket.on('data', this.onData);
    socket.on('error', () => socket.destroy());
  }

  private readonly onIdle = (): void => {
    this.socket.destroy();
  };

  private readonly onData = (chunk: Buffer): void => {
    if (this.stopped) return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    // Every answer a handler gives while this chunk is parsed joins one write, after the loop.
    this.parsing = true;
    try {
      this.parseAvailable();
    } finally {
      this.parsing = false;
    }
    this.flush();
  };

  private parseAvailable(): void {
    while (!this.stopped && this.buf.length > 0) {
      const p = parseRequest(this.buf);
      if (p === 'more') {
        this.maybeContinue();
        return;
      }
      if ('error' in p) {
        this.stopped = true;
        const slot = new Slot(this, false, true);
        this.slots.push(slot);
        slot.reply(p.error, { 'content-type': 'text/plain' }, STATUS_CODES[p.error] ?? 'Bad Request');
        return;
      }
      this.continued = false;
      const rest = p.next < this.buf.length ? this.buf.subarray(p.next) : EMPTY;
      this.buf = EMPTY;
      if (p.upgrade && this.opts.onUpgrade) return this.upgrade(p.req, rest);
      this.buf = rest;
      if (p.last) this.stopped = true;
      this.dispatch(p.req, p.last);
    }
  }

  /** A client that waits for `100 Continue` before its body gets it once per request. */
  private maybeContinue(): void {
    if (this.continued) return;
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    if (/\r\nexpect:[ \t]*100-continue/i.test(this.buf.toString('latin1', 0, end))) {
      this.continued = true;
      this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
    }
  }

  private upgrade(req: Http1Request, head: Buffer): void {
    this.stopped = true;
    this.flush();
    this.socket.off('data', this.onData);
    this.socket.off('timeout', this.onIdle);
    this.socket.setTimeout(0);
    this.opts.onUpgrade?.(req, this.socket, head);
  }

  private dispatch(req: Http1Request, last: boolean): void {
    const slot = new Slot(this, req.method === 'HEAD', last);
    this.slots.push(slot);
    try {
      this.opts.onRequest(req, slot);
    } catch (e) {
      slot.reply(500, { 'content-type': 'text/plain' }, String(e));
    }
  }

  /** A response lost on the way: the connection is destroyed after `ms`, nothing written. */
  destroyAfter(ms: number): void {
    setTimeout(() => this.socket.destroy(), ms).unref();
  }

  /** Moves finished answers from the head of the queue to the output, in request order. */
  drain(): void {
    let head = this.slots[0];
    while (head && head.wire !== null) {
      this.out.push(head.wire);
      this.slots.shift();
      if (head.last) {
        this.slots.length = 0;
        this.flush(true);
        return;
      }
      head = this.slots[0];
    }
    if (!this.parsing) this.flush();
  }

  private flush(end = false): void {
    const { out, socket } = this;
    if (socket.destroyed) {
      out.length = 0;
      return;
    }
    if (out.length > 0) {
      const wire = out.length === 1 ? (out[0] as string | Buffer) : out.every((x) => typeof x === 'string') ? out.join('') : Buffer.concat(out.map((x) => (typeof x === 'string' ? Buffer.from(x) : x)));
      out.length = 0;
      if (end) socket.end(wire);
      else socket.write(wire);
    } else if (end) socket.end();
  }
}

/** One request from the start of `buf`: complete, incomplete ('more'), or malformed. */
function parseRequest(buf: Buffer): Parsed {
  // A client may send blank lines between requests (RFC 9112 §2.2); they are skipped.
  let start = 0;
  while (start + 1 < buf.length && buf[start] === 13 && buf[start + 1] === 10) start += 2;
  const end = buf.indexOf('\r\n\r\n', start);
  if (end < 0) return buf.length - start > MAX_HEAD_BYTES ? { error: 431 } : 'more';
  const lines = buf.toString('latin1', start, end).split('\r\n');
  const [method, url, version, extra] = (lines[0] as string).split(' ');
  if (!method || !url || extra !== undefined || (version !== 'HTTP/1.1' && version !== 'HTTP/1.0')) return { error: 400 };
  const headers: IncomingHttpHeaders = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: 400 };
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const had = headers[name];
    if (had === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
    else if (Array.isArray(had)) had.push(value);
    else headers[name] = `${had}, ${value}`;
  }
  const connection = String(headers.connection ?? '').toLowerCase();
  const last = version === 'HTTP/1.0' ? !connection.includes('keep-alive') : connection.includes('close');
  const upgrade = method === 'GET' && headers.upgrade !== undefined && connection.includes('upgrade');
  let bodyStart = end + 4;
  let body = '';
  const te = headers['transfer-encoding'];
  if (te !== undefined) {
    if (!/(^|,)\s*chunked\s*$/i.test(te)) return { error: 501 };
    const chunked = readChunked(buf, bodyStart);
    if (chunked === 'more' || 'error' in chunked) return chunked;
    body = chunked.body;
    bodyStart = chunked.next;
  } else if (headers['content-length'] !== undefined) {
    const cl = headers['content-length'];
    if (!/^\d+$/.test(cl)) return { error: 400 };
    const length = Number(cl);
    if (length > MAX_BODY_BYTES) return { error: 413 };
    if (buf.length < bodyStart + length) return 'more';
    body = buf.toString('utf8', bodyStart, bodyStart + length);
    bodyStart += length;
  }
  return { req: { method, url, headers, body }, next: bodyStart, last, upgrade };
}

function readChunked(buf: Buffer, from: number): { body: string; next: number } | 'more' | { error: number } {
  const parts: Buffer[] = [];
  let size = 0;
  let at = from;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return 'more';
    const n = parseInt(buf.toString('latin1', at, eol).split(';')[0] as string, 16);
    if (!Number.isFinite(n) || n < 0) return { error: 400 };
    if (n === 0) {
      // Trailer fields, if any, end with an empty line; they are read and dropped.
      const trailerEnd = buf.indexOf('\r\n', eol + 2) === eol + 2 ? eol + 4 : buf.indexOf('\r\n\r\n', eol + 2) + 4;
      if (trailerEnd < 4 || trailerEnd > buf.length) return 'more';
      return { body: Buffer.concat(parts).toString('utf8'), next: trailerEnd };
    }
    size += n;
    if (size > MAX_BODY_BYTES) return { error: 413 };
    if (buf.length < eol + 2 + n + 2) return 'more';
    parts.push(buf.subarray(eol + 2, eol + 2 + n));
    at = eol + 2 + n + 2;
  }
}

/** Refuses an upgrade handed over by onUpgrade: one whole answer, then the connection closes. */
export function refuseUpgrade(socket: Socket, status: number, headers: Readonly<Record<string, string>>, body: string): void {
  socket.end(render(status, headers, body, false, true));
}

let dateSecond = 0;
let dateHeader = '';

/** The Date header changes once a second; it is formatted once a second, not per answer. */
function httpDate(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateHeader = new Date(now).toUTCString();
  }
  return dateHeader;
}

function render(status: number, headers: Readonly<Record<string, string>>, body: string | Buffer, headRequest: boolean, last: boolean): string | Buffer {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (const name in headers) head += `${name}: ${headers[name] as string}\r\n`;
  head += `content-length: ${typeof body === 'string' ? Buffer.byteLength(body) : body.length}\r\ndate: ${httpDate()}\r\nconnection: ${last ? 'close' : 'keep-alive'}\r\n\r\n`;
  if (headRequest) return head;
  return typeof body === 'string' ? head + body : Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
