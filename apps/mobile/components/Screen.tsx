import type { ReactNode } from 'react';
import { ScrollView, StyleSheet, View, type ViewStyle } from 'react-native';
import { useTheme } from '../theme/theme';

export function Screen({ children, scroll = true, style }: { children: ReactNode; scroll?: boolean; style?: ViewStyle }) {
  const t = useTheme();
  if (!scroll) return <View style={[styles.fill, { backgroundColor: t.bg }, styles.pad, style]}>{children}</View>;
  return (
    <ScrollView style={[styles.fill, { backgroundColor: t.bg }]} contentContainerStyle={[styles.pad, style]} keyboardShouldPersistTaps="handled">
      <View style={styles.column}>{children}</View>
    </ScrollView>
  );
}

export function Card({ children, style, label }: { children: ReactNode; style?: ViewStyle; label?: string }) {
  const t = useTheme();
  return (
    <View accessibilityLabel={label} style={[styles.card, { backgroundColor: t.card, borderColor: t.border }, style]}>
      {children}
    </View>
  );
}

const styles = StyleSheet.create({
  fill: { flex: 1 },
  pad: { padding: 16, gap: 12 },
  // Keeps forms readable on a desktop browser without affecting phones.
  column: { width: '100%', maxWidth: 640, alignSelf: 'center', gap: 12 },
  card: { borderWidth: StyleSheet.hairlineWidth, borderRadius: 12, padding: 14, gap: 8 },
});
