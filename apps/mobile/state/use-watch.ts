import { useEffect } from 'react';
import { useLive } from './live-store';
import { pollLiveSoon } from './use-live-connection';

/** Keeps these strategies in the live set (polled while the socket is down) while the screen is mounted. */
export function useWatchStrategies(ids: string[]): void {
  const key = [...ids].sort().join(',');
  useEffect(() => {
    if (!key) return;
    const unwatch = key.split(',').map((id) => useLive.getState().watch(id));
    pollLiveSoon();
    return () => unwatch.forEach((u) => u());
  }, [key]);
}
