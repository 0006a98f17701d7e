import type { ReactNode } from 'react';
import { Text, type TextProps } from 'react-native';
import { useTheme } from '../theme/theme';

type Variant = 'title' | 'heading' | 'body' | 'muted' | 'small';

const SIZES: Record<Variant, { fontSize: number; fontWeight?: '400' | '600' | '700' }> = {
  title: { fontSize: 24, fontWeight: '700' },
  heading: { fontSize: 17, fontWeight: '600' },
  body: { fontSize: 15 },
  muted: { fontSize: 14 },
  small: { fontSize: 12 },
};

export function Txt({ variant = 'body', children, style, ...rest }: TextProps & { variant?: Variant; children: ReactNode }) {
  const t = useTheme();
  const color = variant === 'muted' || variant === 'small' ? t.muted : t.text;
  return (
    <Text role={variant === 'title' || variant === 'heading' ? 'heading' : undefined} style={[{ color }, SIZES[variant], style]} {...rest}>
      {children}
    </Text>
  );
}
