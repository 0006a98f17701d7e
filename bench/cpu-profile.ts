import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/**
 * A V8 CPU profile of this process from now until `stop()`, written to `file` (for Chrome DevTools
 * or any .cpuprofile viewer); nothing when no file is given. The benchmarks profile the measured
 * window only, not seeding or arming: the engine with `BENCH_CPU_PROFILE=<file>`, the sim process
 * with `BENCH_SIM_CPU_PROFILE=<file>`.
 */
// No default for `file`: a default would also apply to an explicit `undefined` (an unset variable),
// and the arming profile once overwrote the burst profile that way.
export async function startCpuProfile(file: string | undefined): Promise<{ stop(): Promise<void> }> {
  if (!file) return { stop: async () => undefined };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}
