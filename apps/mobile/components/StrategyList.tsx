import { View } from 'react-native';
import type { Strategy } from '@ats/contracts';
import { useRunStatuses } from '../state/use-run-statuses';
import { useWatchStrategies } from '../state/use-watch';
import { StrategyRow } from './StrategyRow';

/**
 * Rows for a list of strategies, with each chip in its true colour: running ones are watched live,
 * and every one that has run is read from /status once, so a reload still shows Bought or Stop-loss hit.
 */
export function StrategyList({ strategies }: { strategies: readonly Strategy[] }) {
  useWatchStrategies(strategies.filter((s) => s.status === 'RUNNING').map((s) => s.id));
  useRunStatuses(strategies);
  return (
    <View style={{ gap: 8 }}>
      {strategies.map((s) => (
        <StrategyRow key={s.id} strategy={s} />
      ))}
    </View>
  );
}
