import { useEffect } from 'react';
import { useQueries } from '@tanstack/react-query';
import type { Strategy } from '@ats/contracts';
import { api } from './app-state';
import { useLive } from './live-store';

/**
 * Reads `/strategy/{id}/status` for every listed strategy that has ever run and merges it into the
 * live store, so a list shows the real phase (Bought, Stop-loss hit) after a reload too, not only
 * what the socket pushed since the page opened. Never-started strategies have no run to read.
 */
export function useRunStatuses(strategies: readonly Strategy[]): void {
  const dispatch = useLive((s) => s.dispatch);
  const tracked = strategies.filter((s) => s.status !== 'CREATED');
  const statuses = useQueries({
    queries: tracked.map((s) => ({
      queryKey: ['strategy', s.id, 'status'],
      queryFn: () => api.strategy.status(s.id),
      // A finished run does not change until it is started again, which invalidates this query.
      staleTime: s.status === 'RUNNING' ? 5_000 : 60_000,
    })),
  });
  // Changes exactly when a status query got new data (or the tracked set changed).
  const stamp = statuses.map((q, i) => `${tracked[i]?.id ?? ''}@${q.dataUpdatedAt}`).join(',');
  useEffect(() => {
    statuses.forEach((q, i) => {
      const id = tracked[i]?.id;
      // The reducer orders facts by the server's updated_at, so a cached read never hides a newer push.
      if (id && q.data) dispatch({ type: 'polled', strategyId: id, status: q.data, receivedAt: q.dataUpdatedAt || Date.now() });
    });
  }, [stamp]);
}
