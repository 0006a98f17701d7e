import { fork } from 'node:child_process';
import { Http1Pool } from '../apps/server/src/brokers/transport/http1-pool';
import { loadConfig } from '../apps/server/src/config';
import { RowBuilder, type BenchOutcome } from './result-rows';

interface FloorStats {
  arrivals: number[];
  cpuMs: number;
}

/**
 * `loopback.floor_10k`: what this machine allows before any of our logic runs. The engine's own
 * HTTP transport (Http1Pool, 256 warm keep-alive connections, pipelining as configured for the engine) sends 10,000 Kite-shaped order
 * POSTs at one instant to a do-nothing HTTP server in its own process (loopback-floor-server.ts);
 * arrival is the server's Date.now() per request. No scheduler, database, broker adapter or sim.
 * It is the floor under `scheduler.burst_10k`, which adds all of those on the same 2 cores.
 */
export async function loopbackFloor(o: { orders?: number; rounds?: number; pipelineDepth?: number } = {}): Promise<BenchOutcome> {
  const orders = o.orders ?? 10_000;
  const rounds = o.rounds ?? 5;
  const child = fork(new URL('./loopback-floor-server.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (m: { ready: string }) => resolve(m.ready));
  });
  const ask = (type: 'reset' | 'stats'): Promise<FloorStats> =>
    new Promise((resolve) => {
      child.once('message', (m: FloorStats) => resolve(m));
      child.send({ type });
    });
  const depth = o.pipelineDepth ?? loadConfig(process.env).ATS_BROKER_PIPELINE_DEPTH;
  const pool = new Http1Pool({ connections: 256, connectTimeoutMs: 3_000, idleTimeoutMs: 60_000, pipelineDepth: depth });
  const body = 'exchange=NSE&tradingsymbol=INFY&transaction_type=BUY&order_type=MARKET&quantity=1&product=MIS&validity=DAY&market_protection=-1&tag=';
  const send = (i: number) =>
    pool.send({
      method: 'POST',
      url: new URL(`${url}/orders/regular`),
      headers: { 'x-kite-version': '3', authorization: `token kite_sim_key_${i % 2000}:0123456789abcdef0123456789abcdef`, 'content-type': 'application/x-www-form-urlencoded' },
      body: `${body}F${String(i).padStart(8, '0')}`,
      timeoutMs: 10_000,
    });
  const lates: number[] = [];
  const lasts: number[] = [];
  let clientCpu = 0;
  let serverCpu = 0;
  try {
    await pool.warm(url, 256);
    await Promise.all(Array.from({ length: 256 }, (_, i) => send(i))); // first use of every connection, and the JIT
    for (let r = 0; r < rounds; r++) {
      const before = await ask('reset');
      const cpu0 = process.cpuUsage();
      const t0 = Date.now();
      await Promise.all(Array.from({ length: orders }, (_, i) => send(i)));
      const cpu = process.cpuUsage(cpu0);
      const after = await ask('stats');
      const late = after.arrivals.map((a) => a - t0);
      lates.push(...late);
      lasts.push(Math.max(...late));
      clientCpu += (cpu.user + cpu.system) / 1000;
      serverCpu += after.cpuMs - before.cpuMs;
    }
  } finally {
    pool.close();
    child.disconnect();
  }
  const rows = new RowBuilder('loopback.floor_10k')
    .distribution('arrival', lates, 'ms')
    .distribution('last_arrival', lasts, 'ms')
    .add('client_cpu_per_order', (clientCpu * 1000) / (orders * rounds), 'µs', orders * rounds)
    .add('server_cpu_per_order', (serverCpu * 1000) / (orders * rounds), 'µs', orders * rounds);
  return {
    rows: rows.rows,
    targets: {},
    notes: [
      `${rounds} rounds of ${orders} POSTs fired at once through Http1Pool (256 warm connections, pipeline depth ${depth}) to a do-nothing server in its own process (the sims' HTTP/1.1 server, since 2026-12-04); arrival = the server's Date.now() per request − the fire instant. Context for scheduler.burst_10k, not a target: no engine, database, broker adapter or sim logic runs.`,
    ],
  };
}
