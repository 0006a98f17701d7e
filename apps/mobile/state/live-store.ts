import { create } from 'zustand';
import { initialLiveState, liveReducer, type LiveAction, type LiveState } from './live-status';

interface LiveStore extends LiveState {
  dispatch(action: LiveAction): void;
  /** strategies currently on screen; each caller gets an unwatch function */
  watch(strategyId: string): () => void;
  watchedIds(): string[];
}

const watchers = new Map<string, number>();

export const useLive = create<LiveStore>()((set, get) => ({
  ...initialLiveState,
  dispatch(action) {
    const s = get();
    const current: LiveState = { connection: s.connection, strategies: s.strategies, prices: s.prices, alerts: s.alerts, revision: s.revision };
    const next = liveReducer(current, action);
    if (next !== current) set(next);
  },
  watch(strategyId) {
    watchers.set(strategyId, (watchers.get(strategyId) ?? 0) + 1);
    return () => {
      const n = (watchers.get(strategyId) ?? 1) - 1;
      if (n <= 0) watchers.delete(strategyId);
      else watchers.set(strategyId, n);
    };
  },
  watchedIds: () => [...watchers.keys()],
}));
