import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Http1Pool } from './http1-pool';
import { TransportError } from './transport-error';

interface TestServer {
  url: string;
  sockets: Set<Socket>;
  connections: () => number;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
const pools: Http1Pool[] = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void, keepAliveMs = 65_000): Promise<TestServer> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, res, body));
  });
  server.keepAliveTimeout = keepAliveMs;
  server.on('connection', (s: Socket) => {
    connections += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const t: TestServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sockets,
    connections: () => connections,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  servers.push(t);
  return t;
}

function pool(connections = 4, pipelineDepth = 1): Http1Pool {
  const p = new Http1Pool({ connections, connectTimeoutMs: 1_000, idleTimeoutMs: 60_000, pipelineDepth });
  pools.push(p);
  return p;
}

const get = (p: Http1Pool, url: string, timeoutMs = 2_000) => p.send({ method: 'GET', url: new URL(url), headers: {}, body: null, timeoutMs });

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(TransportError);
    return (e as TransportError).failure;
  }
  throw new Error('expected a transport failure');
}

/** A bare TCP server that sees the raw requests of each connection and answers exactly what a test writes. */
async function rawServer(onRequests: (socket: Socket, requests: string[]) => void): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    let text = '';
    socket.on('data', (d) => {
      text += d.toString('latin1');
      // Every test request is a GET without a body: one per blank line.
      onRequests(socket, text.split('\r\n\r\n').slice(0, -1));
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push({
    url: '',
    sockets: new Set(),
    connections: () => connections,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

const answer = (body: string, extra = ''): string => `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n${extra}\r\n${body}`;

afterEach(async () => {
  for (const p of pools.splice(0)) p.close();
  for (const s of servers.splice(0)) await s.close();
});

describe('Http1Pool', () => {
  it('sends method, path, query, headers and body, and reuses one connection for sequential requests', async () => {
    const seen: string[] = [];
    const s = await serve((req, res, body) => {
      seen.push(`${req.method} ${req.url} ${req.headers['x-kite-version']} ${req.headers['content-type']} ${req.headers['content-length']} ${body}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true }));
    });
    const p = pool();
    const body = 'tag=abc&quantity=1';
    const r = await p.send({ method: 'POST', url: new URL(`${s.url}/orders/regular?x=1`), headers: { 'x-kite-version': '3', 'content-type': 'application/x-www-form-urlencoded' }, body, timeoutMs: 2_000 });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString())).toEqual({ ok: true });
    for (let i = 0; i < 5; i++) expect((await get(p, `${s.url}/orders`)).status).toBe(200);
    expect(seen[0]).toBe('POST /orders/regular?x=1 3 application/x-www-form-urlencoded 18 tag=abc&quantity=1');
    expect(seen.slice(1).every((l) => l.startsWith('GET /orders '))).toBe(true);
    expect(s.connections()).toBe(1);
  });

  it('reads chunked and large bodies', async () => {
    const big = 'x'.repeat(3_000_000);
    const s = await serve((req, res) => {
      if (req.url === '/chunked') {
        res.write('first,');
        res.end('second');
      } else res.end(big);
    });
    const p = pool();
    expect((await get(p, `${s.url}/chunked`)).body.toString()).toBe('first,second');
    expect((await get(p, `${s.url}/big`)).body.length).toBe(big.length);
  });

  it('never opens more connections than allowed; the others queue', async () => {
    const s = await serve((_req, res) => setTimeout(() => res.end('ok'), 20));
    const p = pool(3);
    const all = await Promise.all(Array.from({ length: 12 }, () => get(p, `${s.url}/x`)));
    expect(all.every((r) => r.body.toString() === 'ok')).toBe(true);
    expect(s.connections()).toBe(3);
  });

  it('warm opens connections ahead of the requests, which then use them', async () => {
    const s = await serve((_req, res) => res.end('ok'));
    const p = pool(8);
    await p.warm(s.url, 5);
    // The server accepts on its own turn of the loop, after our side saw the connection open.
    await vi.waitFor(() => expect(s.connections()).toBe(5));
    await Promise.all(Array.from({ length: 5 }, () => get(p, `${s.url}/x`)));
    expect(s.connections()).toBe(5);
    await p.warm(s.url, 20);
    await vi.waitFor(() => expect(s.connections()).toBe(8));
    await new Promise((r) => setTimeout(r, 50));
    expect(s.connections()).toBe(8);
  });

  it('a refused connection is a connect failure (the request never left)', async () => {
    const s = await serve((_req, res) => res.end('ok'));
    const url = s.url;
    await s.close();
    servers.length = 0;
    expect(await failure(get(pool(), `${url}/x`))).toBe('connect');
  });

  it('no answer in time is a timeout, and that connection is not reused', async () => {
    let n = 0;
    const s = await serve((_req, res) => {
      n += 1;
      if (n === 1) return; // hold the first request forever
      res.end('ok');
    });
    const p = pool(1);
    expect(await failure(get(p, `${s.url}/hang`, 150))).toBe('timeout');
    expect((await get(p, `${s.url}/x`)).body.toString()).toBe('ok');
    expect(s.connections()).toBe(2);
  });

  it('a request still waiting for a connection when its time runs out never left: connect failure', async () => {
    const s = await serve((req, res) => (req.url === '/slow' ? setTimeout(() => res.end('slow'), 300) : res.end('ok')));
    const p = pool(1);
    const slow = get(p, `${s.url}/slow`, 2_000);
    expect(await failure(get(p, `${s.url}/x`, 100))).toBe('connect');
    expect((await slow).body.toString()).toBe('slow');
    // The connection the expired waiter would have had went back to the pool.
    expect((await get(p, `${s.url}/x`)).body.toString()).toBe('ok');
    expect(s.connections()).toBe(1);
  });

  it('a request that got its connection with too little time left is not written: connect failure', async () => {
    const seen: string[] = [];
    const s = await serve((req, res) => {
      seen.push(String(req.url));
      if (req.url === '/slow') setTimeout(() => res.end('slow'), 300);
      else res.end('ok');
    });
    const p = pool(1);
    const slow = get(p, `${s.url}/slow`, 2_000);
    // 500 ms to live, 300 of them spent waiting: less than half is left, so it never goes out.
    expect(await failure(get(p, `${s.url}/late`, 500))).toBe('connect');
    await slow;
    expect(seen).toEqual(['/slow']);
  });

  it('a connection the server drops mid-answer is a reset (the request may have arrived)', async () => {
    const s = await serve((req) => req.socket.destroy());
    expect(await failure(get(pool(), `${s.url}/x`))).toBe('reset');
  });

  it('honours Connection: close and the server keep-alive timeout', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/close') res.setHeader('connection', 'close');
      res.end('ok');
    }, 1_500);
    const p = pool(2);
    await get(p, `${s.url}/close`);
    await get(p, `${s.url}/x`);
    expect(s.connections()).toBe(2);
    // Keep-Alive: timeout=1 from the server: we close our side before it would (after ~0 s idle).
    await new Promise((r) => setTimeout(r, 100));
    expect(s.sockets.size).toBe(0);
    await get(p, `${s.url}/x`);
    expect(s.connections()).toBe(3);
  });

  it('refuses a header value that would inject a line', async () => {
    const s = await serve((_req, res) => res.end('ok'));
    await expect(pool().send({ method: 'GET', url: new URL(`${s.url}/x`), headers: { authorization: 'token a:b\r\nx-evil: 1' }, body: null, timeoutMs: 1_000 })).rejects.toThrow(/line break/);
    expect(() => pool().prepare({ method: 'GET', url: new URL(`${s.url}/x`), headers: { authorization: 'token a:b\nx-evil: 1' }, body: null, timeoutMs: 1_000 })).toThrow(TransportError);
  });

  it('a request prepared ahead goes out byte for byte as send would write it, each time it is sent, its timeout counted from the send', async () => {
    const seen: string[] = [];
    const s = await serve((req, res, body) => {
      seen.push(`${req.method} ${req.url} ${req.headers['content-length']} ${body}`);
      res.end(String(seen.length));
    });
    const p = pool();
    // A non-ASCII body: Content-Length counts bytes, not characters.
    const prepared = p.prepare({ method: 'POST', url: new URL(`${s.url}/orders/regular`), headers: { 'content-type': 'text/plain' }, body: 'tag=₹1', timeoutMs: 300 });
    expect(prepared.wire.toString('utf8')).toContain('content-length: 8\r\n\r\ntag=₹1');
    await new Promise((r) => setTimeout(r, 400)); // longer than its timeout: the clock starts at the send
    expect((await p.sendPrepared(prepared)).body.toString()).toBe('1');
    // Sent again (a broker's 429 refused the first): the same request once more, not a different one.
    expect((await p.sendPrepared(prepared)).body.toString()).toBe('2');
    expect(seen).toEqual(['POST /orders/regular 8 tag=₹1', 'POST /orders/regular 8 tag=₹1']);
    expect(s.connections()).toBe(1);
  });
  describe('pipelining (all connections busy)', () => {
    it('writes requests behind busy ones instead of waiting, and matches each answer to its request', async () => {
      const held: { path: string; res: ServerResponse }[] = [];
      const s = await serve((req, res) => {
        held.push({ path: String(req.url), res });
        // Answers only once all eight are in: without pipelining (2 connections) this never happens.
        if (held.length === 8) for (const h of held.reverse()) h.res.end(`answer to ${h.path}`);
      });
      const p = pool(2, 4);
      const all = await Promise.all(Array.from({ length: 8 }, (_, i) => get(p, `${s.url}/r${i}`)));
      expect(all.map((r) => r.body.toString())).toEqual(Array.from({ length: 8 }, (_, i) => `answer to /r${i}`));
      expect(s.connections()).toBe(2);
    });

    it('depth 1 never pipelines: the same burst waits for answers', async () => {
      let inFlight = 0;
      let most = 0;
      const s = await serve((_req, res) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        setTimeout(() => {
          inFlight -= 1;
          res.end('ok');
        }, 10);
      });
      const p = pool(2, 1);
      await Promise.all(Array.from({ length: 8 }, () => get(p, `${s.url}/x`)));
      expect(most).toBe(2);
    });

    it('pipelines only once no more connections may open, and never beyond the depth', async () => {
      const inFlight = new Map<Socket, number>();
      let mostOnOne = 0;
      let mostInAll = 0;
      const s = await serve((req, res) => {
        inFlight.set(req.socket, (inFlight.get(req.socket) ?? 0) + 1);
        mostOnOne = Math.max(mostOnOne, ...inFlight.values());
        mostInAll = Math.max(mostInAll, [...inFlight.values()].reduce((x, y) => x + y, 0));
        setTimeout(() => {
          inFlight.set(req.socket, (inFlight.get(req.socket) ?? 1) - 1);
          res.end('ok');
        }, 30);
      });
      const p = pool(3, 2);
      const all = await Promise.all(Array.from({ length: 20 }, () => get(p, `${s.url}/x`)));
      expect(all.every((r) => r.body.toString() === 'ok')).toBe(true);
      expect(s.connections()).toBe(3);
      expect(mostOnOne).toBe(2);
      expect(mostInAll).toBe(6);
    });

    it('requests pipelined in one task leave in one write, filling one connection before the next', async () => {
      // Per connection: how many requests it had received after each read. Nothing is answered.
      const reads = new Map<Socket, number[]>();
      const s = await rawServer((socket, requests) => reads.set(socket, [...(reads.get(socket) ?? []), requests.length]));
      const p = pool(2, 8);
      const calls = [get(p, `${s.url}/a`, 500), get(p, `${s.url}/b`, 500)];
      await vi.waitFor(() => expect([...reads.values()].flat()).toEqual([1, 1]));
      calls.push(...Array.from({ length: 5 }, (_, i) => get(p, `${s.url}/p${i}`, 500)));
      // All 5 go behind the request on the connection last used (room for 7), in one write: one read.
      await vi.waitFor(() => expect([...reads.values()].map((r) => r.join(',')).sort()).toEqual(['1', '1,6']));
      // Each connection's oldest request times out; the ones written behind it may have arrived: reset.
      expect(await Promise.all(calls.map(failure))).toEqual(['timeout', 'timeout', 'reset', 'reset', 'reset', 'reset', 'reset']);
    });

    it('answers that arrive together in one read are each delivered, in order', async () => {
      const s = await rawServer((socket, requests) => {
        if (requests.length === 3) socket.write(answer('a') + answer('bb') + answer('ccc'));
      });
      const p = pool(1, 3);
      const first = get(p, `${s.url}/1`);
      const rest = [get(p, `${s.url}/2`), get(p, `${s.url}/3`)];
      expect([(await first).body.toString(), ...(await Promise.all(rest)).map((r) => r.body.toString())]).toEqual(['a', 'bb', 'ccc']);
    });

    it('a connection lost with requests pipelined on it: every written request is a reset (its outcome unknown), none is reported as never sent', async () => {
      const s = await rawServer((socket, requests) => {
        if (requests.length === 3) socket.destroy();
      });
      const p = pool(1, 3);
      const outcomes = await Promise.all([failure(get(p, `${s.url}/1`)), failure(get(p, `${s.url}/2`)), failure(get(p, `${s.url}/3`))]);
      expect(outcomes).toEqual(['reset', 'reset', 'reset']);
    });

    it('an answer with Connection: close leaves the requests behind it unanswered: reset, and the connection is not reused', async () => {
      const s = await rawServer((socket, requests) => {
        if (requests.length === 2 && requests[1]?.startsWith('GET /2')) socket.write(answer('first', 'connection: close\r\n'));
        if (requests.length === 1 && requests[0]?.startsWith('GET /3')) socket.write(answer('third'));
      });
      const p = pool(1, 2);
      const first = get(p, `${s.url}/1`);
      const second = failure(get(p, `${s.url}/2`));
      expect((await first).body.toString()).toBe('first');
      expect(await second).toBe('reset');
      expect((await get(p, `${s.url}/3`)).body.toString()).toBe('third');
      expect(s.connections()).toBe(2);
    });

    it('bytes that answer nothing end the connection', async () => {
      let conn = 0;
      const s = await rawServer((socket, requests) => {
        if (requests.length !== 1) return;
        conn += 1;
        socket.write(conn === 1 ? answer('one') + answer('stray') : answer('two'));
      });
      const p = pool(1, 2);
      expect((await get(p, `${s.url}/1`)).body.toString()).toBe('one');
      // The stray answer is not taken for the next request, which goes out on a new connection.
      expect((await get(p, `${s.url}/2`)).body.toString()).toBe('two');
      expect(s.connections()).toBe(2);
    });
  });
});
