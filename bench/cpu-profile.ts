import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/**
 * With `BENCH_CPU_PROFILE=<file>`, a V8 CPU profile of the engine process over the measured window
 * only (not seeding or arming), for Chrome DevTools or any .cpuprofile viewer. Otherwise nothing.
 */
export async function startCpuProfile(): Promise<{ stop(): Promise<void> }> {
  const file = process.env.BENCH_CPU_PROFILE;
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
