import { forwardRef } from 'react';
import { StyleSheet, Text, TextInput, View, type TextInputProps } from 'react-native';
import { useTheme } from '../theme/theme';

interface Props extends Omit<TextInputProps, 'value' | 'onChangeText'> {
  label: string;
  value: string;
  onChangeText: (text: string) => void;
  error?: string;
  hint?: string;
}

/** A labelled input whose error is announced with it, so a screen reader hears why it failed. */
export const TextField = forwardRef<TextInput, Props>(function TextField({ label, value, onChangeText, error, hint, style, ...rest }, ref) {
  const t = useTheme();
  const description = [error, hint].filter(Boolean).join('. ');
  return (
    <View style={styles.wrap}>
      <Text style={[styles.label, { color: t.text }]}>{label}</Text>
      <TextInput
        ref={ref}
        accessibilityLabel={label}
        accessibilityHint={description || undefined}
        aria-invalid={error ? true : undefined}
        value={value}
        onChangeText={onChangeText}
        placeholderTextColor={t.muted}
        style={[styles.input, { color: t.text, backgroundColor: t.inputBg, borderColor: error ? t.danger : t.border }, style]}
        {...rest}
      />
      {error ? (
        <Text role="alert" style={[styles.error, { color: t.danger }]}>
          {error}
        </Text>
      ) : hint ? (
        <Text style={[styles.hint, { color: t.muted }]}>{hint}</Text>
      ) : null}
    </View>
  );
});

const styles = StyleSheet.create({
  wrap: { gap: 4 },
  label: { fontSize: 14, fontWeight: '600' },
  input: { minHeight: 44, borderWidth: 1, borderRadius: 8, paddingHorizontal: 12, fontSize: 16 },
  error: { fontSize: 13 },
  hint: { fontSize: 13 },
});
