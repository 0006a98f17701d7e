import { fork } from 'node:child_process';
import {
  armStrategies,
  openBenchDatabase,
  seedStrategies,
  seedTenants,
  SIM_KEYS,
  sleep,
  startBenchEngine,
  waitFor,
} from './bench-platform';
import { RowBuilder, type BenchOutcome } from './result-rows';

/**
 * The V8 heap flags this benchmark process runs with (`npm run bench` passes the production engine's
 * `--max-semi-space-size`, as `npm start` does), handed on to the measured child so it is sized as
 * a production engine is.
 */
const heapFlags = (): string[] => process.execArgv.filter((a) => /^--(max|min)-semi-space-size=/.test(a));

/** Nothing is due during the measurement, so the engine never calls a broker: any URL will do. */
const NO_BROKER = 'http://127.0.0.1:9';

interface ChildReport {
  rssBeforeMb: number;
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  tracked: number;
  samples: number[];
}

/**
 * Child process: the real platform (buildPlatform, PostgreSQL, Redis) starts over a schema that
 * already holds `expected` armed runs, rebuilds them by its recovery scan, and reports its RSS
 * once it tracks all of them with their prewarm and buy timers. A fresh process, so the seeding
 * done by the parent does not inflate the figure.
 */
async function child(schema: string, expected: number): Promise<void> {
  const b = await openBenchDatabase(NO_BROKER, schema);
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;
  const { platform } = await startBenchEngine(b);
  const engine = platform.engine as NonNullable<typeof platform.engine>;
  await waitFor(() => engine.tracked() >= expected, 'engine tracking every armed run', 120_000, 100);
  // Sample over a few seconds (several rescans) after a full GC: RSS is what the OS charges.
  const samples: number[] = [];
  for (let i = 0; i < 6; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await sleep(500);
    samples.push(process.memoryUsage().rss / 2 ** 20);
  }
  const m = process.memoryUsage();
  const report: ChildReport = { rssBeforeMb: rssBefore / 2 ** 20, rssMb: Math.max(...samples), heapUsedMb: m.heapUsed / 2 ** 20, externalMb: m.external / 2 ** 20, tracked: engine.tracked(), samples };
  process.send?.(report);
  await platform.close();
  await b.db.destroy();
}

/** `engine.memory`: RSS of an engine process tracking `users` × `perUser` WAITING_BUY runs. */
export async function engineMemory(o: { users?: number; perUser?: number } = {}): Promise<BenchOutcome> {
  const users = o.users ?? 2_000;
  const perUser = o.perUser ?? 5;
  const n = users * perUser;
  const b = await openBenchDatabase(NO_BROKER);
  try {
    const tenants = await seedTenants(b, Array.from({ length: users }, (_, i) => `bench-token-${i}`));
    // Every run at its own buy instant, 250 ms apart, an hour ahead: the worst case for timers
    // (one coarse timer per distinct instant for the prewarm and one for the buy).
    const start = Math.ceil(Date.now() / 1000) * 1000 + 3_600_000;
    const strategies = await seedStrategies(
      b,
      tenants.flatMap((tenant) =>
        Array.from({ length: perUser }, (_, k) => {
          const i = tenant.index * perUser + k;
          const instrument = SIM_KEYS[i % SIM_KEYS.length] as (typeof SIM_KEYS)[number];
          return { tenant, instrument, buyAt: start + i * 250, stopLossPaise: Math.round(instrument.basePaise / 2), quantity: 1 };
        }),
      ),
    );
    await armStrategies(b, strategies);
    const report = await new Promise<ChildReport>((resolve, reject) => {
      const p = fork(new URL(import.meta.url).pathname, ['--memory-child', b.schema, String(n)], { execArgv: ['--import', 'tsx', '--expose-gc', ...heapFlags()], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      p.once('message', (m) => resolve(m as ChildReport));
      p.once('exit', (code) => reject(new Error(`memory child exited with ${code} before reporting`)));
    });
    const rows = new RowBuilder('engine.memory')
      .add('rss', report.rssMb, 'MB', report.tracked)
      .add('rss_before_engine', report.rssBeforeMb, 'MB', 1)
      .add('rss_per_run', ((report.rssMb - report.rssBeforeMb) * 1024) / Math.max(1, report.tracked), 'KB', report.tracked)
      .add('heap_used', report.heapUsedMb, 'MB', report.tracked)
      .add('external', report.externalMb, 'MB', report.tracked)
      .add('tracked_runs', report.tracked, 'runs', n);
    return {
      rows: rows.rows,
      targets: { rss: ['<', 400], tracked_runs: ['==', n] },
      notes: [
        `${n} WAITING_BUY runs (${users} users × ${perUser}), each due at its own instant an hour ahead, rebuilt by the engine's start-up scan in a fresh process (buildPlatform: API + engine, PostgreSQL, Redis). rss = max of 6 samples after full GCs; rss_before_engine = the process with modules and DB pool loaded, before buildPlatform. Child heap flags: ${heapFlags().join(' ') || 'none (Node defaults)'}.`,
      ],
    };
  } finally {
    await b.drop();
  }
}

if (process.argv[2] === '--memory-child') {
  await child(process.argv[3] as string, Number(process.argv[4]));
  process.exit(0);
}
