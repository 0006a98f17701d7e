import { StyleSheet, Text, View } from 'react-native';
import { useLive } from '../state/live-store';
import { useTheme } from '../theme/theme';

const LABELS = { idle: 'Offline', connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' } as const;

export function LiveIndicator() {
  const t = useTheme();
  const state = useLive((s) => s.connection);
  const colour = state === 'live' ? t.success : state === 'idle' ? t.muted : '#d97706';
  const label = state === 'reconnecting' ? 'Reconnecting…, updating every 5 s' : LABELS[state];
  return (
    <View accessibilityRole="text" accessibilityLabel={`Connection: ${label}`} accessibilityLiveRegion="polite" testID="live-indicator" style={styles.row}>
      <View style={[styles.dot, { backgroundColor: colour }]} />
      <Text style={{ color: t.muted, fontSize: 13 }}>{LABELS[state]}</Text>
    </View>
  );
}

const styles = StyleSheet.create({
  row: { flexDirection: 'row', alignItems: 'center', gap: 6, paddingHorizontal: 12 },
  dot: { width: 10, height: 10, borderRadius: 5 },
});
