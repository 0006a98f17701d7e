import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttp1Server, refuseUpgrade, type Http1Request, type Http1Responder, type Http1Server } from './http1-server';

let server: Http1Server | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(onRequest: (req: Http1Request, res: Http1Responder) => void, onUpgrade?: (req: Http1Request, socket: Socket, head: Buffer) => void): Promise<number> {
  server = createHttp1Server({ onRequest, ...(onUpgrade ? { onUpgrade } : {}), idleTimeoutMs: 5_000 });
  return server.listen(0);
}

/** Writes `wire` in one go and collects what comes back until `done(text)` or the socket closes. */
function exchange(port: number, wire: string | string[], done: (text: string) => boolean = () => false): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let text = '';
    const parts = Array.isArray(wire) ? wire : [wire];
    s.on('connect', () => {
      // Parts are written apart, so the server sees them in separate reads.
      parts.forEach((p, i) => setTimeout(() => s.write(p), i * 20));
    });
    s.on('data', (d) => {
      text += d.toString('utf8');
      if (done(text)) {
        s.destroy();
        resolve({ text, closed: false });
      }
    });
    s.on('close', () => resolve({ text, closed: true }));
    s.on('error', reject);
  });
}

// Bodies carry no line end, so the next status line may follow one directly.
const statusLines = (text: string): string[] => text.match(/HTTP\/1\.1 \d+ [^\r]*/g) ?? [];
const bodies = (text: string): string[] => text.split(/HTTP\/1\.1 \d+ [^\r]*\r\n/).slice(1).map((r) => r.slice(r.indexOf('\r\n\r\n') + 4));

describe('createHttp1Server', () => {
  it('answers pipelined requests in request order even when a later one is answered first, in one write', async () => {
    let writes = 0;
    const port = await start((req, res) => {
      const n = Number(req.url.slice(1));
      // The first request answers last.
      setTimeout(() => res.reply(200, { 'content-type': 'text/plain' }, `r${n}`), n === 1 ? 50 : 0);
    });
    const wire = [1, 2, 3].map((n) => `GET /${n} HTTP/1.1\r\nhost: x\r\n\r\n`).join('');
    const { text } = await new Promise<{ text: string }>((resolve) => {
      const s = connect(port, '127.0.0.1', () => s.write(wire));
      let t = '';
      s.on('data', (d) => {
        writes += 1;
        t += d.toString();
        if (bodies(t).join(',') === 'r1,r2,r3') {
          s.destroy();
          resolve({ text: t });
        }
      });
    });
    expect(bodies(text)).toEqual(['r1', 'r2', 'r3']);
    // The second and third answers waited for the first, and left with it.
    expect(writes).toBe(1);
    expect(text).toContain('content-length: 2\r\n');
    expect(text).toContain('connection: keep-alive\r\n');
  });

  it('reads Content-Length bodies split across reads, UTF-8 included, and chunked bodies with trailers', async () => {
    const seen: string[] = [];
    const port = await start((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['content-type']} ${req.body}`);
      res.reply(201, {}, 'ok');
    });
    const body = 'tag=₹1&q=1';
    const { text } = await exchange(
      port,
      [
        `POST /a?x=1 HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\ntag=`,
        `${body.slice(4)}POST /b HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n4\r\nWiki\r\n6;ext=1\r\npedia \r\n`,
        '0\r\nx-trailer: 1\r\n\r\n',
      ],
      (t) => statusLines(t).length === 2,
    );
    expect(seen).toEqual(['POST /a?x=1 application/x-www-form-urlencoded tag=₹1&q=1', 'POST /b undefined Wikipedia ']);
    expect(statusLines(text)).toEqual(['HTTP/1.1 201 Created', 'HTTP/1.1 201 Created']);
  });

  it('sends 100 Continue to a client that waits for it, then reads the body', async () => {
    const port = await start((req, res) => res.reply(200, {}, req.body));
    const s = connect(port, '127.0.0.1');
    let text = '';
    await new Promise<void>((resolve) => {
      s.on('connect', () => s.write('POST / HTTP/1.1\r\nexpect: 100-continue\r\ncontent-length: 5\r\n\r\n'));
      s.on('data', (d) => {
        text += d.toString();
        if (text === 'HTTP/1.1 100 Continue\r\n\r\n') s.write('hello');
        if (text.endsWith('hello')) resolve();
      });
    });
    s.destroy();
    expect(statusLines(text)).toEqual(['HTTP/1.1 100 Continue', 'HTTP/1.1 200 OK']);
  });

  it('closes after answering Connection: close and HTTP/1.0 without keep-alive, and ignores what follows', async () => {
    const urls: string[] = [];
    const port = await start((req, res) => {
      urls.push(req.url);
      res.reply(200, {}, 'x');
    });
    const a = await exchange(port, 'GET /1 HTTP/1.1\r\nconnection: close\r\n\r\nGET /2 HTTP/1.1\r\n\r\n');
    expect(a.closed).toBe(true);
    expect(a.text).toContain('connection: close\r\n');
    const b = await exchange(port, 'GET /3 HTTP/1.0\r\n\r\n');
    expect(b.closed).toBe(true);
    expect(urls).toEqual(['/1', '/3']);
  });

  it('answers a malformed request 400 and an oversized head 431, then closes; never calls the handler', async () => {
    let called = 0;
    const port = await start((_req, res) => {
      called += 1;
      res.reply(200, {}, '');
    });
    const a = await exchange(port, 'NONSENSE\r\n\r\n');
    expect(statusLines(a.text)).toEqual(['HTTP/1.1 400 Bad Request']);
    expect(a.closed).toBe(true);
    const b = await exchange(port, `GET / HTTP/1.1\r\nx: ${'a'.repeat(70_000)}`);
    expect(statusLines(b.text)).toEqual(['HTTP/1.1 431 Request Header Fields Too Large']);
    const c = await exchange(port, 'POST / HTTP/1.1\r\ncontent-length: -1\r\n\r\n');
    expect(statusLines(c.text)).toEqual(['HTTP/1.1 400 Bad Request']);
    expect(called).toBe(0);
  });

  it('a handler that throws gets a 500; a second reply is ignored; HEAD gets no body', async () => {
    const port = await start((req, res) => {
      if (req.url === '/throw') throw new Error('boom');
      res.reply(200, {}, 'body');
      res.reply(500, {}, 'again');
    });
    const { text } = await exchange(port, 'GET /throw HTTP/1.1\r\n\r\nGET /twice HTTP/1.1\r\n\r\nHEAD /twice HTTP/1.1\r\n\r\n', (t) => statusLines(t).length === 3);
    expect(statusLines(text)).toEqual(['HTTP/1.1 500 Internal Server Error', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(bodies(text)).toEqual(['Error: boom', 'body', '']);
    expect(text.match(/content-length: 4\r\n/g)).toHaveLength(2);
  });

  it('hold never answers and destroys the connection after holdMs; requests behind it get no answer either', async () => {
    const port = await start((req, res) => (req.url === '/lost' ? res.hold(100) : res.reply(200, {}, 'late')));
    const started = Date.now();
    const { text, closed } = await exchange(port, 'GET /lost HTTP/1.1\r\n\r\nGET /after HTTP/1.1\r\n\r\n');
    expect(closed).toBe(true);
    expect(text).toBe('');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('hands an upgrade its socket with the bytes read past the head, and stops parsing', async () => {
    let handled = 0;
    const port = await start(
      (_req, res) => {
        handled += 1;
        res.reply(200, {}, '');
      },
      (req, socket, head) => {
        socket.end(`HTTP/1.1 101 Switching Protocols\r\n\r\n${req.url} ${req.headers.upgrade} [${head.toString()}]`);
      },
    );
    const { text } = await exchange(port, 'GET /feed?k=1 HTTP/1.1\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\nframe-bytes');
    expect(text).toBe('HTTP/1.1 101 Switching Protocols\r\n\r\n/feed?k=1 websocket [frame-bytes]');
    expect(handled).toBe(0);
  });

  it('refuseUpgrade answers a refused upgrade in one whole response and closes', async () => {
    const port = await start(
      (_req, res) => res.reply(200, {}, ''),
      (_req, socket) => refuseUpgrade(socket, 403, { 'x-error-message': 'Invalid token' }, '{"status":"error"}'),
    );
    const { text, closed } = await exchange(port, 'GET /feed HTTP/1.1\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n');
    expect(closed).toBe(true);
    expect(statusLines(text)).toEqual(['HTTP/1.1 403 Forbidden']);
    expect(text).toContain('x-error-message: Invalid token\r\n');
    expect(text).toContain('content-length: 18\r\n');
    expect(text).toContain('connection: close\r\n');
    expect(bodies(text)).toEqual(['{"status":"error"}']);
  });

  it('close() ends idle keep-alive connections', async () => {
    const port = await start((_req, res) => res.reply(200, {}, 'x'));
    const s = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => {
      s.on('connect', () => s.write('GET / HTTP/1.1\r\n\r\n'));
      s.once('data', () => resolve());
    });
    const closed = new Promise<void>((resolve) => s.on('close', () => resolve()));
    await server?.close();
    server = null;
    await closed;
    expect(s.destroyed).toBe(true);
  });
});
