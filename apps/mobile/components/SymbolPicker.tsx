import { useEffect, useState } from 'react';
import { ActivityIndicator, Pressable, StyleSheet, Text, View } from 'react-native';
import { useQuery } from '@tanstack/react-query';
import type { Instrument } from '@ats/contracts';
import { describeError } from '../api/errors';
import { api } from '../state/app-state';
import { useTheme } from '../theme/theme';
import { TextField } from './TextField';

interface Props {
  symbol: string;
  brokerId: string;
  onType: (symbol: string) => void;
  onPick: (instrument: Instrument) => void;
  error?: string;
}

/** Free text that searches the broker's instrument master as you type; picking fills exchange and tick size. */
export function SymbolPicker({ symbol, brokerId, onType, onPick, error }: Props) {
  const t = useTheme();
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(false);

  // Debounced so typing "RELIANCE" is one search, not eight.
  useEffect(() => {
    const h = setTimeout(() => setQuery(symbol.trim()), 250);
    return () => clearTimeout(h);
  }, [symbol]);

  const search = useQuery({
    queryKey: ['instruments', brokerId, query],
    queryFn: () => api.instruments.search(query, brokerId || undefined),
    enabled: open && query.length >= 1,
    staleTime: 60_000,
  });

  return (
    <View style={styles.wrap}>
      <TextField
        label="Symbol"
        value={symbol}
        onChangeText={(v) => {
          setOpen(true);
          onType(v.toUpperCase());
        }}
        autoCapitalize="characters"
        autoCorrect={false}
        placeholder="e.g. INFY"
        error={error}
        hint="Type part of a symbol or company name, then pick it from the list"
      />
      {open && query.length >= 1 ? (
        <View accessibilityLabel="Matching symbols" style={[styles.list, { borderColor: t.border, backgroundColor: t.card }]}>
          {search.isFetching && !search.data ? <ActivityIndicator accessibilityLabel="Searching symbols" /> : null}
          {search.error ? <Text style={{ color: t.danger, padding: 8 }}>{describeError(search.error)}</Text> : null}
          {search.data?.items.length === 0 ? <Text style={{ color: t.muted, padding: 8 }}>No matching symbol</Text> : null}
          {search.data?.items.slice(0, 8).map((i) => (
            <Pressable
              key={`${i.exchange}:${i.symbol}`}
              accessibilityRole="button"
              accessibilityLabel={`Pick ${i.symbol} on ${i.exchange}, ${i.name}`}
              onPress={() => {
                setOpen(false);
                onPick(i);
              }}
              style={({ pressed }) => [styles.item, { borderColor: t.border, opacity: pressed ? 0.7 : 1 }]}
            >
              <Text style={{ color: t.text, fontWeight: '600' }}>
                {i.symbol} <Text style={{ color: t.muted, fontWeight: '400' }}>{i.exchange}</Text>
              </Text>
              <Text style={{ color: t.muted, fontSize: 13 }}>
                {i.name} · tick ₹{i.tick_size.toFixed(2)}
              </Text>
            </Pressable>
          ))}
        </View>
      ) : null}
    </View>
  );
}

const styles = StyleSheet.create({
  wrap: { gap: 6 },
  list: { borderWidth: 1, borderRadius: 8, overflow: 'hidden' },
  item: { paddingHorizontal: 12, paddingVertical: 8, borderBottomWidth: StyleSheet.hairlineWidth },
});
