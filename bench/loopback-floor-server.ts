import { createHttp1Server } from '../packages/broker-sims/src/core/http1-server';

/**
 * The least an HTTP server on this machine does per order request: read it, note when it arrived,
 * answer a canned Kite-shaped 200. The same HTTP/1.1 server as the broker sims (so the floor stays
 * under the sim), with no routing, auth or order book. Driven over IPC by loopback-floor.ts.
 */
const arrivals: number[] = [];
let seq = 0;
const server = createHttp1Server({
  // As the Kite sim: keep-alive connections opened ahead of a due time must survive until it.
  idleTimeoutMs: 65_000,
  onRequest(_req, res) {
    arrivals.push(Date.now());
    seq += 1;
    res.reply(200, { 'content-type': 'application/json' }, `{"status":"success","data":{"order_id":"2507150${String(seq).padStart(8, '0')}"}}`);
  },
});
const port = await server.listen(0);
process.send?.({ ready: `http://127.0.0.1:${port}` });

process.on('message', (m: { type: 'reset' | 'stats' }) => {
  if (m.type === 'reset') arrivals.length = 0;
  const u = process.cpuUsage();
  process.send?.({ arrivals: m.type === 'stats' ? arrivals : [], cpuMs: (u.user + u.system) / 1000 });
});
process.on('disconnect', () => process.exit(0));
