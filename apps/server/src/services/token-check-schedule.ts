import { istToEpochMs, istDateOf, addDays } from '../domain/exchange-time';
import type { Clock } from '../ports/clock';

/** The pre-open token check runs every day at 08:45 IST, before brokers open for orders. */
export const TOKEN_CHECK_TIME = '08:45:00';

export function nextTokenCheckAt(now: number): number {
  const today = istDateOf(now);
  const at = istToEpochMs(today, TOKEN_CHECK_TIME);
  return at > now ? at : istToEpochMs(addDays(today, 1), TOKEN_CHECK_TIME);
}

/** Runs `check` at every 08:45 IST on the injected clock; returns a stop function. */
export function scheduleDailyTokenCheck(clock: Clock, check: () => Promise<unknown>, onError: (e: unknown) => void): () => void {
  let cancel: () => void = () => undefined;
  let stopped = false;
  const arm = (): void => {
    if (stopped) return;
    cancel = clock.at(nextTokenCheckAt(clock.now()), () => {
      void check()
        .catch(onError)
        .finally(arm);
    });
  };
  arm();
  return () => {
    stopped = true;
    cancel();
  };
}
