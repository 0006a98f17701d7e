import { InProcessBus } from '../apps/server/src/adapters/local/in-process-bus';
import { InProcessRuntimeState } from '../apps/server/src/adapters/local/in-process-runtime-state';
import { SystemClock } from '../apps/server/src/adapters/clock/system-clock';
import { ZerodhaFeed } from '../apps/server/src/brokers/zerodha/zerodha-feed';
import { clientOrderId } from '../apps/server/src/domain/client-order-id';
import { istDateOf } from '../apps/server/src/domain/exchange-time';
import type { InstrumentId } from '../apps/server/src/domain/instrument';
import { armRun, type Run } from '../apps/server/src/domain/run-state-machine';
import { TradingCalendar } from '../apps/server/src/domain/trading-calendar';
import { RunSupervisor } from '../apps/server/src/engine/run-supervisor';
import type { Broker } from '../apps/server/src/ports/broker';
import type { BrokerDirectory } from '../apps/server/src/ports/broker-directory';
import type { MarketFeed, Tick } from '../apps/server/src/ports/market-feed';
import type { OrderIntentStore, RunRecord, RunStore, StrategyStore } from '../apps/server/src/ports/strategy-store';
import {
  armStrategies,
  kiteLoginAll,
  openBenchDatabase,
  seedStrategies,
  seedTenants,
  SIM_KEYS,
  sleep,
  startBenchEngine,
  startKiteSimProcess,
  waitFor,
} from './bench-platform';
import { RowBuilder, type BenchOutcome } from './result-rows';

const silentLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The hub's cost per NON-crossing tick, through the engine's real tick path: feed callback →
 * MarketHub (last price) → RunSupervisor.onTick (book lookup, highest-stop check, the 4/s price
 * push to RuntimeState and each watching user's bus topic). The supervisor is the real class over
 * in-memory stand-ins for the stores and the feed (nothing here crosses, so no store is touched),
 * with `positions` BOUGHT runs over a synthetic universe of `instruments` instruments.
 */
export async function hubCostPerTick(o: { positions?: number; instruments?: number; ticksPerRep?: number; reps?: number } = {}): Promise<{ nsPerTick: number[]; n: number }> {
  const positions = o.positions ?? 10_000;
  const instruments = o.instruments ?? 1_000;
  const ticksPerRep = o.ticksPerRep ?? 500_000;
  const reps = o.reps ?? 12;
  const now = Date.now();
  const recs = new Map<string, RunRecord>();
  for (let i = 0; i < positions; i++) {
    const instrument = `NSE:SYN${String(i % instruments).padStart(4, '0')}` as InstrumentId;
    const stop = 90_000 - Math.floor(i / instruments) * 5;
    const armed = armRun({ id: `run-${i}`, strategyId: `s-${i}`, tradingDate: istDateOf(now), quantity: 1, stopLossPaise: stop as Run['stopLossPaise'], buyAt: now - 60_000, sellAt: now + 3_600_000, squareOffAt: now + 3_600_000 }, now);
    const run: Run = { ...armed.run, phase: 'BOUGHT', positionQuantity: 1, entryPricePaise: 100_000 as Run['stopLossPaise'], entryBrokerOrderId: 'x' };
    recs.set(run.id, { run, userId: `user-${i % 2000}`, brokerAccountId: `acct-${i % 2000}`, instrument, version: 1, nextActionAt: run.sellAt, lastAction: 'ARMED', createdAt: now });
  }
  const runs = {
    openIds: async () => [...recs.keys()],
    byIds: async (ids: readonly string[]) => ids.flatMap((id) => recs.get(id) ?? []),
    get: async (id: string) => recs.get(id) ?? null, latest: async () => null, arm: async () => null, applyTransition: async () => null } as unknown as RunStore;
  let deliver: ((t: Tick) => void) | null = null;
  const feed: MarketFeed = {
    connect: async () => undefined,
    subscribe: () => undefined,
    unsubscribe: () => undefined,
    onTick: (fn) => {
      deliver = fn;
      return () => undefined;
    },
    onState: () => () => undefined,
    state: () => 'CONNECTED',
    close: async () => undefined,
  };
  const source = { kind: 'zerodha', createFeed: () => feed } as unknown as Broker;
  const directory: BrokerDirectory = {
    forAccount: async () => {
      throw new Error('nothing crosses in this microbenchmark');
    },
    openNow: () => null,
    dataSource: async () => source,
    dataSourceFailed: () => undefined,
    kindOf: async () => 'zerodha',
  };
  const clock = new SystemClock();
  const engine = new RunSupervisor({
    runs,
    strategies: {} as StrategyStore,
    intents: {} as OrderIntentStore,
    directory,
    runtime: new InProcessRuntimeState(() => clock.now()),
    bus: new InProcessBus(),
    clock,
    calendar: new TradingCalendar({ mode: 'always-open', squareOffCutoff: '15:15:00' }),
    log: silentLog,
  });
  await engine.start();
  const ids = [...new Set([...recs.values()].map((r) => r.instrument))];
  await waitFor(() => deliver !== null && ids.reduce((a, id) => a + engine.bookSize('zerodha', id), 0) === positions, 'every position booked');
  // Prices above every stop, varying so no branch predictor or cache sees one repeated tick.
  const ticks: Tick[] = [];
  for (let k = 0; k < 8; k++) for (const id of ids) ticks.push({ instrument: id, ltpPaise: (100_000 + ((k * 37) % 200)) as Tick['ltpPaise'], exchangeTs: null, receivedTs: 0 });
  const fn = deliver as unknown as (t: Tick) => void;
  const nsPerTick: number[] = [];
  for (let r = 0; r < reps + 2; r++) {
    const t0 = performance.now();
    let ts = Date.now();
    for (let k = 0; k < ticksPerRep; k++) {
      if ((k & 1023) === 0) ts = Date.now();
      const t = ticks[k % ticks.length] as Tick;
      t.receivedTs = ts;
      fn(t);
    }
    const ns = ((performance.now() - t0) * 1e6) / ticksPerRep;
    if (r >= 2) nsPerTick.push(ns); // the first two reps are JIT warm-up
    await sleep(0); // let the throttled pushes and timers run, as the event loop would
  }
  await engine.stop();
  return { nsPerTick, n: ticksPerRep * reps };
}

/**
 * `stoploss.tick_to_order`: `users` × `perUser` open positions over the Kite sim's instruments,
 * the sim streaming `tickRate` ticks/s through the real Kite ticker to the real engine. Each of
 * `crossings` price moves crosses exactly one stop; we time from the engine's receipt of that
 * tick (`Tick.receivedTs`, as ZerodhaFeed stamps it) to the SELL arriving at the sim.
 */
export async function stoplossTickToOrder(o: { users?: number; perUser?: number; tickRate?: number; crossings?: number; gapMs?: number; micro?: Parameters<typeof hubCostPerTick>[0] } = {}): Promise<BenchOutcome> {
  const users = o.users ?? 2_000;
  const perUser = o.perUser ?? 5;
  const n = users * perUser;
  // BENCH_TICK_RATE lowers the feed rate when the sim cannot sustain 50,000/s (see docs/BENCHMARKS.md).
  const tickRate = o.tickRate ?? Number(process.env.BENCH_TICK_RATE ?? 50_000);
  const crossings = o.crossings ?? 200;
  const gapMs = o.gapMs ?? 25;

  const micro = await hubCostPerTick(o.micro);

  // Instrumentation, not a change: every tick the engine's Kite feed delivers is counted, and the
  // first one at or below a price we are waiting for has its receivedTs kept. One Map lookup per tick.
  const watch = new Map<string, { price: number; receivedTs: number | null }>();
  let received = 0;
  const original = ZerodhaFeed.prototype.onTick;
  ZerodhaFeed.prototype.onTick = function (this: ZerodhaFeed, fn: (t: Tick) => void) {
    return original.call(this, (t: Tick) => {
      received += 1;
      const w = watch.get(t.instrument);
      if (w !== undefined && w.receivedTs === null && t.ltpPaise <= w.price) w.receivedTs = t.receivedTs;
      fn(t);
    });
  };

  const sim = await startKiteSimProcess({ tickMs: 0, apps: users });
  const b = await openBenchDatabase(sim.url);
  const { platform, logs } = await startBenchEngine(b);
  try {
    await sim.control.walk(false);
    const tenants = await seedTenants(b, await kiteLoginAll(sim), sim.apps);
    const buyAt = Date.now() - 60_000;
    // Stops per instrument are distinct and descending by slot, so moving the price to the next
    // stop crosses exactly one position.
    const slots = new Map<string, number>();
    const strategies = await seedStrategies(
      b,
      tenants.flatMap((tenant) =>
        Array.from({ length: perUser }, (_, k) => {
          const instrument = SIM_KEYS[(tenant.index * perUser + k) % SIM_KEYS.length] as (typeof SIM_KEYS)[number];
          const slot = slots.get(instrument.id) ?? 0;
          slots.set(instrument.id, slot + 1);
          // ~190 slots per instrument: spread them over the band 95%..55% of the price, at least 1 paise apart.
          const step = Math.max(1, Math.floor((instrument.basePaise * 0.4) / Math.ceil(n / SIM_KEYS.length)));
          return { tenant, instrument, buyAt, stopLossPaise: Math.round(instrument.basePaise * 0.95) - slot * step, quantity: 1 };
        }),
      ),
    );
    const runOf = await armStrategies(b, strategies, { bus: platform.bus, position: true });
    const engine = platform.engine as NonNullable<typeof platform.engine>;
    await waitFor(() => SIM_KEYS.reduce((a, k) => a + engine.bookSize('zerodha', k.id as InstrumentId), 0) >= n, 'every position in the stop-loss book', 120_000, 200);

    await sim.ticks(tickRate);
    await waitFor(() => received > tickRate, 'ticks flowing to the engine', 30_000, 100).catch((e: unknown) => {
      throw new Error(`${String(e)}; ticks received ${received}; engine warnings ${logs.warnings}, errors ${logs.errors}: ${logs.samples.join(' | ')}`);
    });
    await sleep(2_000); // steady state before measuring
    const r0 = received;
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    const sim0 = await sim.stats();

    // Cross one stop at a time, round-robin over instruments, `gapMs` apart, under the full tick load.
    const queues = SIM_KEYS.map((k) => strategies.filter((s) => s.instrument.id === k.id).sort((a, c) => c.stopLossPaise - a.stopLossPaise));
    const crossed: Array<{ s: (typeof strategies)[number]; w: { price: number; receivedTs: number | null } }> = [];
    for (let i = 0; i < crossings; i++) {
      const q = queues[i % queues.length] as typeof strategies;
      const s = q.shift();
      if (!s) continue;
      const w = { price: s.stopLossPaise, receivedTs: null };
      watch.set(s.instrument.id, w);
      crossed.push({ s, w });
      await sim.setPrice(s.instrument.id, s.stopLossPaise);
      await sleep(gapMs);
    }
    await sleep(2_000);
    const cpu = process.cpuUsage(cpu0);
    const sim1 = await sim.stats();
    const seconds = (Date.now() - t0) / 1000;
    const engineRate = (received - r0) / seconds;
    const sent = await sim.ticks(0);
    await waitFor(async () => (await sim.stats()).sells >= crossed.length, 'every SELL at the sim', 15_000, 250).catch(() => undefined);
    ZerodhaFeed.prototype.onTick = original;

    const sells = new Map<string, number[]>();
    for (const x of await sim.control.orders()) if (x.side === 'SELL' && x.tag) sells.set(x.tag, [...(sells.get(x.tag) ?? []), x.createdAt]);
    const lat: number[] = [];
    let missing = 0;
    let unseen = 0;
    let duplicates = 0;
    for (const { s, w } of crossed) {
      const runId = runOf.get(s.id) as string;
      const at = [1, 2, 3].flatMap((a) => sells.get(clientOrderId(runId, 'EXIT', a)) ?? []);
      if (w.receivedTs === null) unseen += 1;
      if (at.length === 0) missing += 1;
      else if (w.receivedTs !== null) lat.push(Math.min(...at) - w.receivedTs);
      duplicates += Math.max(0, at.length - 1);
    }
    // Extra SELLs would mean a non-crossing tick fired a stop.
    const stray = [...sells.keys()].length - (crossed.length - missing);
    const rows = new RowBuilder('stoploss.tick_to_order')
      .distribution('tick_to_order', lat, 'ms')
      .add('missing_sells', missing, 'orders', crossed.length)
      .add('duplicate_sells', duplicates, 'orders', crossed.length)
      .add('stray_sells', stray, 'orders', crossed.length)
      .add('crossing_ticks_not_seen', unseen, 'ticks', crossed.length)
      .add('tick_rate_sent_by_sim', sent ? sent.sent / sent.seconds : 0, 'ticks/s', sent?.sent ?? 0)
      .add('tick_rate_received_by_engine', engineRate, 'ticks/s', received - r0)
      .add('open_positions', n, 'positions', n)
      .add('engine_cpu_share', (cpu.user + cpu.system) / 1000 / (seconds * 1000), 'cores', Math.round(seconds))
      .add('sim_cpu_share', (sim1.cpuUserMs + sim1.cpuSystemMs - sim0.cpuUserMs - sim0.cpuSystemMs) / (seconds * 1000), 'cores', Math.round(seconds))
      .distribution('hub_ns_per_noncrossing_tick', micro.nsPerTick, 'ns')
      .add('engine_log_errors', logs.errors, 'lines', crossed.length);
    return {
      rows: rows.rows,
      targets: { tick_to_order_p99: ['<', 10], hub_ns_per_noncrossing_tick_p50: ['<', 2000], hub_ns_per_noncrossing_tick_max: ['<', 2000], missing_sells: ['==', 0], duplicate_sells: ['==', 0], stray_sells: ['==', 0] },
      notes: [
        `End to end: ${n} open positions (${users} users × ${perUser}) over the Kite sim's ${SIM_KEYS.length} NSE instruments (the sim cannot list more; see Limits), ${crossings} crossings ${gapMs} ms apart, each crossing exactly one stop; the sim's paced tick source asked for ${tickRate} ticks/s.`,
        `Hub cost: RunSupervisor's real tick path over in-memory stores, ${o.micro?.positions ?? 10_000} positions over ${o.micro?.instruments ?? 1_000} synthetic instruments; n = ticks; each sample is the mean of one repetition of ${o.micro?.ticksPerRep ?? 500_000} ticks.`,
        ...logs.samples.map((s) => `log: ${s}`),
      ],
    };
  } finally {
    ZerodhaFeed.prototype.onTick = original;
    await platform.close();
    await b.drop();
    await sim.close();
  }
}
