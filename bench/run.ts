import { engineMemory } from './engine-memory';
import { loopbackFloor } from './loopback-floor';
import { appendToDoc, markdownTable, writeResults, type BenchOutcome } from './result-rows';
import { schedulerBurst, schedulerSingle } from './scheduler-lateness';
import { stoplossTickToOrder } from './stoploss-tick-to-order';

/**
 * `npm run bench` runs every benchmark; `npm run bench -- <name>` one of them. Each needs
 * PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test) and Redis
 * (REDIS_URL, default redis://127.0.0.1:6379), and starts the Kite sim as a separate process.
 * Rows go to bench/results/latest.json, a table is appended to docs/BENCHMARKS.md.
 */
export const BENCHMARKS: Record<string, () => Promise<BenchOutcome>> = {
  'scheduler.single': () => schedulerSingle(),
  'scheduler.burst_10k': () => schedulerBurst(),
  'stoploss.tick_to_order': () => stoplossTickToOrder(),
  'engine.memory': () => engineMemory(),
  'loopback.floor_10k': () => loopbackFloor(),
};

// The engine's order loops outlive platform.close() by design (exits never give up), so a query
// can land on the destroyed pool during teardown. Report it; it is not a benchmark failure.
process.on('unhandledRejection', (e) => console.warn(`  (after teardown: ${e instanceof Error ? e.message : String(e)})`));

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !BENCHMARKS[w]);
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; one of: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}
const names = wanted.length ? wanted : Object.keys(BENCHMARKS);
const outcomes: Array<[string, BenchOutcome]> = [];
console.log('results → bench/results/latest.json, docs/BENCHMARKS.md');
for (const name of names) {
  const started = Date.now();
  console.log(`▶ ${name}`);
  let o: BenchOutcome;
  try {
    o = await (BENCHMARKS[name] as () => Promise<BenchOutcome>)();
  } catch (e) {
    // One broken benchmark must not lose the others' results: it is reported as failed.
    console.error(e);
    o = { rows: [], targets: {}, notes: [`FAILED: ${e instanceof Error ? e.message : String(e)}`] };
    process.exitCode = 1;
  }
  outcomes.push([name, o]);
  // Written after each benchmark, so a later one that crashes the process loses nothing.
  writeResults(o.rows);
  appendToDoc(markdownTable(`npm run bench${wanted.length ? ` -- ${wanted.join(' ')}` : ''} (${name})`, [[name, o]]));
  for (const r of o.rows) console.log(`  ${r.metric.padEnd(36)} ${String(r.value).padStart(12)} ${r.unit.padEnd(8)} n=${r.n}`);
  console.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
process.exit(process.exitCode ?? 0);
