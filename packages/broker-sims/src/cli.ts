import { startSim } from './core/sim-server';
import { SIM_MODULES } from './sim-registry';

/** `npm run sim -- <broker> --port N [--seed S] [--tick-ms T]`: a standalone fake broker for demos and manual tests. */
function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) ? v : fallback;
}

const broker = process.argv[2];
const make = broker ? SIM_MODULES[broker] : undefined;
if (!make) {
  console.error(`usage: npm run sim -- <${Object.keys(SIM_MODULES).join('|')}> --port N`);
  process.exit(2);
}
const sim = await startSim(make(), arg('port', 0), { seed: arg('seed', 42), tickIntervalMs: arg('tick-ms', 250) });
console.log(`${broker} sim listening on ${sim.url} (control API at ${sim.url}/_sim/)`);
const stop = (): void => {
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
