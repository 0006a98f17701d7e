import { Http1Pool } from '../apps/server/src/brokers/transport/http1-pool';
import { startCpuProfile } from './cpu-profile';
import { createZerodhaSim, kiteSimApps, startSim, type BrokerSimModule, type KiteSimApp, type SimContext } from '@ats/broker-sims';

/**
 * The Kite sim in its own process (so its CPU is not mixed into the engine's event loop), driven
 * over IPC by the benchmarks. `--apps N` gives it N extra Kite apps/users (`kite_sim_key_<i>`,
 * user `ZS<i>`), so every benchmark tenant has their own app, account and 10/s order window, as at
 * Kite; their tokens come from the sim's own login flow (see bench-platform.ts).
 */
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) ? v : fallback;
};

// Apps of the sim's own warm-up (below), apart from the benchmark's tenants.
const warmApps: KiteSimApp[] = Array.from({ length: 1_000 }, (_, i) => ({ apiKey: `kite_sim_warmup_${i}`, apiSecret: `kite_sim_warmup_secret_${i}`, userId: `ZW${String(i).padStart(5, '0')}` }));
const inner = createZerodhaSim({ apps: [...kiteSimApps(arg('apps', 0)), ...warmApps] });
let ctx: SimContext | null = null;
// Keep the context: the paced tick source below steps the sim's market directly.
const sim: BrokerSimModule = { ...inner, register: (router, context) => { ctx = context; inner.register(router, context); } };

const running = await startSim(sim, 0, { seed: 42, tickIntervalMs: arg('tick-ms', 250) });
const c = ctx as unknown as SimContext;
await warmUp(warmApps);

/**
 * A real broker's order servers have handled millions of orders before the day's first burst; a
 * freshly started sim would run its first thousands through V8's interpreter and baseline code,
 * ~40 % more CPU per order (measured: 68-71 µs cold, 47-52 µs warm), which the benchmarks would
 * then charge to the engine. So the sim places orders from this process, over loopback and the same
 * HTTP path and on accounts of its own, until its order route is compiled, then forgets them:
 * orders, positions and rate windows are reset; tokens stay. Rounds are one second apart, inside
 * Kite's 10 orders/s per app.
 */
async function warmUp(apps: readonly KiteSimApp[]): Promise<void> {
  const pool = new Http1Pool({ connections: 64, connectTimeoutMs: 3_000, idleTimeoutMs: 10_000, pipelineDepth: 32 });
  const auth = apps.map((a) => `token ${a.apiKey}:${c.tokens.issue(a.userId, 3_600_000)}`);
  const url = new URL(`${running.url}/orders/regular`);
  const body = 'exchange=NSE&tradingsymbol=INFY&transaction_type=BUY&order_type=MARKET&quantity=1&product=MIS&validity=DAY&market_protection=-1&tag=warmup';
  const perRound = apps.length * 5;
  try {
    for (let round = 0; round < 3; round++) {
      if (round > 0) await new Promise((r) => setTimeout(r, 1_050));
      const answers = await Promise.all(
        Array.from({ length: perRound }, (_, i) =>
          pool.send({ method: 'POST', url, headers: { 'x-kite-version': '3', authorization: auth[i % auth.length] as string, 'content-type': 'application/x-www-form-urlencoded' }, body, timeoutMs: 10_000 }),
        ),
      );
      // A warm-up refused by the sim would warm nothing, silently: refuse to start instead.
      const refused = answers.find((a) => a.status !== 200);
      if (refused) throw new Error(`sim warm-up: an order was refused (HTTP ${refused.status}: ${refused.body.toString().slice(0, 200)})`);
    }
  } finally {
    pool.close();
    c.exchange.reset();
    sim.reset?.();
  }
}

/**
 * A paced tick source for the stop-loss benchmark: `rate` ticks per second in total, round-robin
 * over every subscribed instrument, at the instrument's current price (the walk is off, so nothing
 * crosses unless the benchmark moves a price). Paced by elapsed time, not by timer count, so the
 * rate holds even though a setImmediate loop wakes irregularly.
 */
let gen: { rate: number; start: number; sent: number; behindMax: number } | null = null;
let keys: string[] = [];
let keysAt = 0;
let rr = 0;
function pump(): void {
  const g = gen;
  if (!g) return;
  const now = performance.now();
  if (now - keysAt > 200) {
    keys = [...(sim.subscribedKeys?.() ?? [])];
    keysAt = now;
  }
  const due = Math.floor(((now - g.start) * g.rate) / 1000);
  let n = due - g.sent;
  g.behindMax = Math.max(g.behindMax, n);
  // Never emit more than ~2 ms worth in one go: a big frame would hold up the sim's order handling
  // (and the engine's) for milliseconds; a falling-behind sim shows as a lower achieved rate.
  n = Math.min(n, Math.ceil(g.rate / 500));
  if (keys.length > 0 && n > 0) {
    // One market step for the lot: the Kite ticker packs every tick of a step into one frame per
    // client, as Kite itself batches packets, instead of one frame per tick.
    const batch = new Array<string>(n);
    for (let i = 0; i < n; i++) batch[i] = keys[rr++ % keys.length] as string;
    c.market.step(batch);
    g.sent += n;
  } else if (keys.length === 0) g.start = now;
  setImmediate(pump);
}

type Msg =
  | { id: number; type: 'ticks'; rate: number }
  | { id: number; type: 'price'; key: string; paise: number }
  | { id: number; type: 'stats' }
  | { id: number; type: 'profile'; file: string | null };

let profiling: { stop(): Promise<void> } | null = null;

process.on('message', (m: Msg) => {
  const reply = (body: unknown): void => void process.send?.({ id: m.id, body });
  switch (m.type) {
    case 'ticks': {
      const stopped = gen;
      gen = m.rate > 0 ? { rate: m.rate, start: performance.now(), sent: 0, behindMax: 0 } : null;
      if (gen && !stopped) setImmediate(pump);
      return reply(stopped ? { sent: stopped.sent, seconds: (performance.now() - stopped.start) / 1000, behindMax: stopped.behindMax } : null);
    }
    case 'price': {
      // setPrice emits the tick at once; the benchmark times the SELL from our receipt of it.
      c.market.setPrice(m.key, m.paise);
      return reply({ at: Date.now() });
    }
    case 'profile': {
      // Start (a file) or stop and write (null) a CPU profile of the sim over a benchmark's window.
      const was = profiling;
      profiling = null;
      void (async () => {
        await was?.stop();
        if (m.file) profiling = await startCpuProfile(m.file);
        reply(null);
      })();
      return;
    }
    case 'stats': {
      const u = process.cpuUsage();
      const { buys, sells } = c.exchange.sideCounts();
      return reply({ cpuUserMs: u.user / 1000, cpuSystemMs: u.system / 1000, rssMb: process.memoryUsage().rss / 2 ** 20, instruments: c.market.instruments().length, buys, sells });
    }
  }
});

process.send?.({ ready: running.url });
process.on('disconnect', () => void running.close().then(() => process.exit(0)));
