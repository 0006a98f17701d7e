import { StyleSheet, Text, View } from 'react-native';
import type { RunPhase, StrategyStatus } from '@ats/contracts';
import { PHASE_LABELS, STATUS_LABELS, TONE_COLOURS, toneFor } from '../theme/theme';

/** Phase wins over status while a run exists, because "Bought" matters more than "Running". */
export function StatusChip({ status, phase }: { status: StrategyStatus | null; phase: RunPhase | null }) {
  const tone = toneFor(status, phase);
  const text = phase && status !== 'CREATED' ? PHASE_LABELS[phase] : status ? STATUS_LABELS[status] : 'Unknown';
  return (
    <View accessibilityLabel={`Status: ${text}`} testID="status-chip" style={[styles.chip, { backgroundColor: TONE_COLOURS[tone] }]}>
      <Text style={styles.text}>{text}</Text>
    </View>
  );
}

const styles = StyleSheet.create({
  chip: { alignSelf: 'flex-start', borderRadius: 12, paddingHorizontal: 10, paddingVertical: 3 },
  text: { color: '#ffffff', fontSize: 13, fontWeight: '600' },
});
