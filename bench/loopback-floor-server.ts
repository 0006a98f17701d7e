import { createServer } from 'node:http';

/**
 * The least an HTTP server on this machine can do per order request: read it, note when it
 * arrived, answer a canned Kite-shaped 200. No routing, auth or order book. Driven over IPC by
 * loopback-floor.ts.
 */
const arrivals: number[] = [];
let seq = 0;
const server = createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    arrivals.push(Date.now());
    seq += 1;
    const body = `{"status":"success","data":{"order_id":"2507150${String(seq).padStart(8, '0')}"}}`;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
// As the Kite sim: keep-alive connections opened ahead of a due time must survive until it.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.send?.({ ready: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}` });
});

process.on('message', (m: { type: 'reset' | 'stats' }) => {
  if (m.type === 'reset') arrivals.length = 0;
  const u = process.cpuUsage();
  process.send?.({ arrivals: m.type === 'stats' ? arrivals : [], cpuMs: (u.user + u.system) / 1000 });
});
process.on('disconnect', () => process.exit(0));
