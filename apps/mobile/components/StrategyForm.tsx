import { useState } from 'react';
import { Switch, View } from 'react-native';
import { useQuery } from '@tanstack/react-query';
import type { CreateStrategyBody, Instrument } from '@ats/contracts';
import { ApiError } from '../api/errors';
import type { FieldErrors } from '../forms/field-errors';
import { NSE_SESSION, tickHint, validateStrategyForm, type StrategyFormValues } from '../forms/strategy-form';
import { api } from '../state/app-state';
import { useTheme } from '../theme/theme';
import { Button } from './Button';
import { Choice } from './Choice';
import { ErrorBanner } from './ErrorBanner';
import { Card } from './Screen';
import { SymbolPicker } from './SymbolPicker';
import { TextField } from './TextField';
import { TimeField } from './TimeField';
import { Txt } from './Txt';

interface Props {
  initial: StrategyFormValues;
  submitTitle: string;
  onSubmit: (body: CreateStrategyBody) => Promise<void>;
  /** while running only times, stop-loss and quantity may change */
  lockIdentity?: boolean;
}

export function StrategyForm({ initial, submitTitle, onSubmit, lockIdentity = false }: Props) {
  const t = useTheme();
  const [values, setValues] = useState<StrategyFormValues>(initial);
  /** the instrument picked from the search list in this session of the form */
  const [picked, setPicked] = useState<Instrument | null>(null);
  const [marketHours, setMarketHours] = useState(true);
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const brokers = useQuery({ queryKey: ['brokers'], queryFn: () => api.broker.status() });
  // Editing starts with a symbol but no picked instrument: look the symbol up once (same cache key
  // as the picker's search) so the tick size and lot size are known without re-picking it.
  const initialSymbol = initial.symbol.trim();
  const lookup = useQuery({
    queryKey: ['instruments', initial.broker_id, initialSymbol],
    queryFn: () => api.instruments.search(initialSymbol, initial.broker_id || undefined),
    enabled: initialSymbol !== '',
    staleTime: 60_000,
  });
  const initialInstrument = lookup.data?.items.find((i) => i.exchange === initial.exchange && i.symbol === initialSymbol) ?? null;
  // A pick wins; otherwise the looked-up instrument applies only while the symbol and exchange are unchanged.
  const instrument =
    picked ?? (initialInstrument && values.symbol === initialInstrument.symbol && values.exchange === initialInstrument.exchange ? initialInstrument : null);
  const set = <K extends keyof StrategyFormValues>(k: K, v: StrategyFormValues[K]) => {
    setValues((s) => ({ ...s, [k]: v }));
    // An error stays until the field it is about is touched; then it is stale.
    setFields((f) => {
      if (!(k in f)) return f;
      const { [k]: _gone, ...rest } = f;
      return rest;
    });
  };

  const accounts = brokers.data?.items ?? [];
  // One account is the common case: choose it rather than making the trader tap.
  const brokerId = values.broker_id || (accounts.length === 1 ? (accounts[0]?.id ?? '') : '');
  const session = marketHours ? NSE_SESSION : null;

  const submit = async () => {
    const v = validateStrategyForm({ ...values, broker_id: brokerId }, { session, instrument });
    if (!v.ok) {
      setFields(v.fields);
      setError(null);
      return;
    }
    setFields({});
    setError(null);
    setBusy(true);
    try {
      await onSubmit(v.value);
    } catch (e) {
      // The form keeps every value; only the messages change.
      if (e instanceof ApiError) setFields(e.fields);
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <View style={{ gap: 12 }}>
      <ErrorBanner error={error} />
      <Card>
        <TextField label="Name (optional)" value={values.name} onChangeText={(v) => set('name', v)} error={fields.name} placeholder="e.g. INFY morning" />
        {accounts.length === 0 && !brokers.isPending ? <Txt style={{ color: t.danger }}>Connect a broker on the Broker tab first.</Txt> : null}
        {accounts.length > 0 ? (
          <Choice<string>
            label="Broker account"
            value={brokerId}
            onChange={(v) => set('broker_id', v)}
            options={accounts.map((a) => ({ value: a.id, title: a.label }))}
          />
        ) : null}
        {fields.broker_id ? <Txt style={{ color: t.danger }}>{fields.broker_id}</Txt> : null}
        {lockIdentity ? (
          <Txt variant="muted">
            {values.exchange}:{values.symbol} (cannot change while running)
          </Txt>
        ) : (
          <>
            <SymbolPicker
              symbol={values.symbol}
              brokerId={brokerId}
              error={fields.symbol}
              onType={(v) => {
                set('symbol', v);
                setPicked(null);
              }}
              onPick={(i) => {
                setPicked(i);
                setValues((s) => ({ ...s, symbol: i.symbol, exchange: i.exchange }));
              }}
            />
            <Choice<'NSE' | 'BSE'>
              label="Exchange"
              value={values.exchange}
              onChange={(v) => {
                set('exchange', v);
                // A tick size belongs to one listing; another exchange needs its own pick.
                if (picked && picked.exchange !== v) setPicked(null);
              }}
              options={[
                { value: 'NSE', title: 'NSE' },
                { value: 'BSE', title: 'BSE' },
              ]}
            />
          </>
        )}
      </Card>
      <Card>
        <View style={{ flexDirection: 'row', alignItems: 'center', justifyContent: 'space-between', gap: 8 }}>
          <Txt style={{ flex: 1 }}>Limit times to market hours ({NSE_SESSION.open}–{NSE_SESSION.close})</Txt>
          <Switch
            accessibilityLabel="Limit times to market hours"
            accessibilityHint="Turn off only for a demo server that trades around the clock"
            value={marketHours}
            onValueChange={setMarketHours}
          />
        </View>
        <TimeField label="Buy time" value={values.buy_time} onChange={(v) => set('buy_time', v)} error={fields.buy_time} limits={session ? { min: session.open, max: session.close } : null} />
        <TimeField label="Sell time" value={values.sell_time} onChange={(v) => set('sell_time', v)} error={fields.sell_time} limits={session ? { min: session.open, max: session.cutoff } : null} />
      </Card>
      <Card>
        <TextField
          label="Stop-loss (₹)"
          value={values.stop_loss}
          onChangeText={(v) => set('stop_loss', v)}
          error={fields.stop_loss}
          hint={tickHint(instrument)}
          inputMode="decimal"
          placeholder="e.g. 1450.50"
        />
        <TextField
          label="Quantity"
          value={values.quantity}
          onChangeText={(v) => set('quantity', v)}
          error={fields.quantity}
          hint={instrument && instrument.lot_size > 1 ? `Lot size ${instrument.lot_size}` : 'Shares to buy'}
          inputMode="numeric"
        />
        {lockIdentity ? null : (
          <Choice<'once' | 'daily'>
            label="Repeat"
            value={values.repeat}
            onChange={(v) => set('repeat', v)}
            options={[
              { value: 'once', title: 'Once' },
              { value: 'daily', title: 'Every trading day' },
            ]}
          />
        )}
      </Card>
      <Button title={submitTitle} onPress={() => void submit()} busy={busy} testID="strategy-submit" />
    </View>
  );
}
