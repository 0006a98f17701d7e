import { StyleSheet, Text, View } from 'react-native';
import { describeError } from '../api/errors';
import { useTheme } from '../theme/theme';

export function ErrorBanner({ error, message }: { error?: unknown; message?: string | null }) {
  const t = useTheme();
  const text = message ?? (error ? describeError(error) : null);
  if (!text) return null;
  return (
    <View role="alert" accessibilityLiveRegion="assertive" style={[styles.box, { backgroundColor: t.errorBg, borderColor: t.danger }]}>
      <Text style={{ color: t.text }}>{text}</Text>
    </View>
  );
}

export function NoticeBanner({ message }: { message: string | null }) {
  const t = useTheme();
  if (!message) return null;
  return (
    <View accessibilityLiveRegion="polite" role="status" style={[styles.box, { backgroundColor: t.warningBg, borderColor: t.border }]}>
      <Text style={{ color: t.text }}>{message}</Text>
    </View>
  );
}

const styles = StyleSheet.create({
  box: { borderWidth: 1, borderRadius: 8, padding: 12 },
});
