import { Pressable, StyleSheet, Text, View } from 'react-native';
import { useRouter } from 'expo-router';
import type { Strategy } from '@ats/contracts';
import { useLive } from '../state/live-store';
import { formatRupees, formatTime, useTheme } from '../theme/theme';
import { StatusChip } from './StatusChip';

export function StrategyRow({ strategy }: { strategy: Strategy }) {
  const t = useTheme();
  const router = useRouter();
  const live = useLive((s) => s.strategies[strategy.id]);
  const status = live?.status ?? strategy.status;
  const phase = live?.phase ?? null;
  const title = strategy.name ?? `${strategy.symbol} ${strategy.buy_time}–${strategy.sell_time}`;
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={`Open strategy ${title}`}
      onPress={() => router.push({ pathname: '/strategies/[id]', params: { id: strategy.id } })}
      style={({ pressed }) => [styles.row, { backgroundColor: t.card, borderColor: t.border, opacity: pressed ? 0.8 : 1 }]}
      testID={`strategy-row-${strategy.id}`}
    >
      <View style={{ flex: 1, gap: 4 }}>
        <Text style={{ color: t.text, fontSize: 16, fontWeight: '600' }}>{title}</Text>
        <Text style={{ color: t.muted }}>
          {strategy.exchange}:{strategy.symbol} · qty {strategy.quantity} · SL {formatRupees(strategy.stop_loss)} · {strategy.repeat}
        </Text>
        {live?.next_action_at ? <Text style={{ color: t.muted, fontSize: 13 }}>Next: {formatTime(live.next_action_at)}</Text> : null}
      </View>
      <View style={{ alignItems: 'flex-end', gap: 4 }}>
        <StatusChip status={status} phase={phase} />
        {live?.pnl !== null && live?.pnl !== undefined ? (
          <Text style={{ color: live.pnl >= 0 ? t.success : t.danger, fontWeight: '600' }}>{formatRupees(live.pnl)}</Text>
        ) : null}
      </View>
    </Pressable>
  );
}

const styles = StyleSheet.create({
  row: { flexDirection: 'row', gap: 10, borderWidth: StyleSheet.hairlineWidth, borderRadius: 12, padding: 12 },
});
