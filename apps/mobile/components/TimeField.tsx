import { Pressable, StyleSheet, Text, View } from 'react-native';
import { normalizeTimeInput, stepTime } from '../forms/strategy-form';
import { useTheme } from '../theme/theme';
import { TextField } from './TextField';

interface Props {
  label: string;
  value: string;
  onChange: (v: string) => void;
  /** null when any time of day is allowed (always-open demo server) */
  limits: { min: string; max: string } | null;
  error?: string;
}

const STEPS = [
  { delta: -60, title: '−1m' },
  { delta: -1, title: '−1s' },
  { delta: 1, title: '+1s' },
  { delta: 60, title: '+1m' },
];

/**
 * Typed HH:MM:SS with steppers: a native wheel picker does not exist on web and cannot express
 * seconds on Android, and the steppers keep the choice inside the session.
 */
export function TimeField({ label, value, onChange, limits, error }: Props) {
  const t = useTheme();
  const hint = limits ? `Exchange time (IST), between ${limits.min} and ${limits.max}` : 'Exchange time (IST), HH:MM:SS';
  return (
    <View style={styles.wrap}>
      <TextField
        label={label}
        value={value}
        onChangeText={onChange}
        onBlur={() => onChange(normalizeTimeInput(value))}
        placeholder="HH:MM:SS"
        autoCapitalize="none"
        autoCorrect={false}
        inputMode="numeric"
        maxLength={8}
        error={error}
        hint={hint}
      />
      <View style={styles.row}>
        {STEPS.map((s) => (
          <Pressable
            key={s.delta}
            accessibilityRole="button"
            accessibilityLabel={`${label} ${s.delta > 0 ? 'plus' : 'minus'} ${Math.abs(s.delta) === 60 ? 'one minute' : 'one second'}`}
            onPress={() => onChange(stepTime(value, s.delta, limits))}
            style={[styles.step, { borderColor: t.border, backgroundColor: t.card }]}
          >
            <Text style={{ color: t.text }}>{s.title}</Text>
          </Pressable>
        ))}
      </View>
    </View>
  );
}

const styles = StyleSheet.create({
  wrap: { gap: 6 },
  row: { flexDirection: 'row', gap: 8 },
  step: { minHeight: 36, minWidth: 52, borderWidth: 1, borderRadius: 8, alignItems: 'center', justifyContent: 'center' },
});
