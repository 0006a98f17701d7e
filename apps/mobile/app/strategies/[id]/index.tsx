import { useEffect, useState } from 'react';
import { ActivityIndicator, View } from 'react-native';
import { Stack, useLocalSearchParams, useRouter } from 'expo-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { RunPhase, StrategyStatus, StrategyStatusResponse } from '@ats/contracts';
import { Button } from '../../../components/Button';
import { ConfirmDialog } from '../../../components/ConfirmDialog';
import { ErrorBanner } from '../../../components/ErrorBanner';
import { LiveIndicator } from '../../../components/LiveIndicator';
import { Card, Screen } from '../../../components/Screen';
import { StatusChip } from '../../../components/StatusChip';
import { Txt } from '../../../components/Txt';
import { api } from '../../../state/app-state';
import { distanceToStop } from '../../../state/live-status';
import { useLive } from '../../../state/live-store';
import { useWatchStrategies } from '../../../state/use-watch';
import { PHASE_LABELS, STATUS_LABELS, formatRupees, formatTime, useTheme } from '../../../theme/theme';

const IN_POSITION: (RunPhase | null)[] = ['BUYING', 'BOUGHT', 'SELLING'];

function label(to: string): string {
  return (PHASE_LABELS as Record<string, string>)[to] ?? (STATUS_LABELS as Record<string, string>)[to] ?? to;
}

export default function StrategyScreen() {
  const { id } = useLocalSearchParams<{ id: string }>();
  const t = useTheme();
  const router = useRouter();
  const qc = useQueryClient();
  const [confirmStop, setConfirmStop] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const dispatch = useLive((s) => s.dispatch);
  const live = useLive((s) => s.strategies[id]);

  const strategy = useQuery({ queryKey: ['strategy', id], queryFn: () => api.strategy.get(id) });
  const status = useQuery({ queryKey: ['strategy', id, 'status'], queryFn: () => api.strategy.status(id) });
  const events = useQuery({ queryKey: ['strategy', id, 'events'], queryFn: () => api.strategy.events(id) });
  const orders = useQuery({ queryKey: ['strategy', id, 'orders'], queryFn: () => api.strategy.orders(id) });
  useWatchStrategies([id]);

  useEffect(() => {
    if (status.data) dispatch({ type: 'polled', strategyId: id, status: status.data, receivedAt: Date.now() });
  }, [status.data, id, dispatch]);

  const s = strategy.data;
  const instrumentKey = s ? `${s.exchange}:${s.symbol}` : '';
  const pushedPrice = useLive((st) => (instrumentKey ? st.prices[instrumentKey] : undefined));
  // The live record already merges every poll and push, newest wins; the query is only the first paint.
  const view = live ?? status.data ?? null;
  const currentStatus: StrategyStatus | null = view?.status ?? s?.status ?? null;
  const phase = view?.phase ?? null;
  const lastPrice = pushedPrice?.ltp ?? view?.last_price ?? null;
  const distance = s ? distanceToStop(lastPrice, s.stop_loss) : null;

  const afterAction = (next: StrategyStatusResponse) => {
    dispatch({ type: 'polled', strategyId: id, status: next, receivedAt: Date.now() });
    void qc.invalidateQueries({ queryKey: ['strategy', id] });
    void qc.invalidateQueries({ queryKey: ['strategies'] });
  };
  const start = useMutation({ mutationFn: () => api.strategy.start(id), onSuccess: afterAction });
  const stop = useMutation({
    mutationFn: () => api.strategy.stop(id),
    onSuccess: afterAction,
    onSettled: () => setConfirmStop(false),
  });
  const remove = useMutation({
    mutationFn: () => api.strategy.remove(id),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ['strategies'] });
      router.back();
    },
    onSettled: () => setConfirmDelete(false),
  });

  if (strategy.isPending) return <ActivityIndicator accessibilityLabel="Loading strategy" style={{ marginTop: 40 }} />;
  if (!s) {
    return (
      <Screen>
        <ErrorBanner error={strategy.error} />
      </Screen>
    );
  }

  const title = s.name ?? `${s.symbol} ${s.buy_time}–${s.sell_time}`;
  const running = currentStatus === 'RUNNING';
  const holding = IN_POSITION.includes(phase);

  return (
    <Screen>
      <Stack.Screen options={{ title, headerRight: () => <LiveIndicator /> }} />
      <Card label="Live status">
        <View style={{ flexDirection: 'row', justifyContent: 'space-between', alignItems: 'center' }}>
          <Txt variant="heading">{title}</Txt>
          <StatusChip status={currentStatus} phase={phase} />
        </View>
        <Txt testID="phase-text" accessibilityLabel={`Phase: ${phase ?? 'none'}`}>
          Phase: {phase ? `${PHASE_LABELS[phase]} (${phase})` : 'not armed yet'}
        </Txt>
        <Txt>Last price: {formatRupees(lastPrice)}</Txt>
        <Txt>
          Distance to stop-loss:{' '}
          {distance ? (
            <Txt style={{ color: distance.rupees > 0 ? t.success : t.danger, fontWeight: '600' }}>
              {formatRupees(distance.rupees)} ({distance.percent}%)
            </Txt>
          ) : (
            '—'
          )}
        </Txt>
        <Txt>
          Entry {formatRupees(view?.entry_price)} · Exit {formatRupees(view?.exit_price)} · P&amp;L{' '}
          {formatRupees(view?.pnl)}
        </Txt>
        <Txt variant="muted">Next action: {view?.next_action_at ? formatTime(view.next_action_at) : 'nothing scheduled'}</Txt>
        {(view?.reason ?? s.reason) ? <Txt style={{ color: t.danger }}>{view?.reason ?? s.reason}</Txt> : null}
      </Card>
      <ErrorBanner error={start.error ?? stop.error ?? remove.error ?? status.error} />
      <View style={{ flexDirection: 'row', gap: 8, flexWrap: 'wrap' }}>
        {running ? (
          <Button title="Stop" kind="danger" onPress={() => setConfirmStop(true)} testID="stop-strategy" label="Stop strategy" />
        ) : (
          <Button title="Start" onPress={() => start.mutate()} busy={start.isPending} testID="start-strategy" label="Start strategy" />
        )}
        <Button title="Edit" kind="secondary" onPress={() => router.push({ pathname: '/strategies/[id]/edit', params: { id } })} label="Edit strategy" />
        {!running ? <Button title="Delete" kind="secondary" onPress={() => setConfirmDelete(true)} label="Delete strategy" /> : null}
      </View>
      <Card label="Summary">
        <Txt variant="heading">Summary</Txt>
        <Txt>
          {s.exchange}:{s.symbol} · qty {s.quantity} · {s.repeat === 'daily' ? 'every trading day' : 'once'}
        </Txt>
        <Txt>
          Buy {s.buy_time} · Sell {s.sell_time} (IST)
        </Txt>
        <Txt>Stop-loss {formatRupees(s.stop_loss)}</Txt>
      </Card>
      <Card label="Events">
        <Txt variant="heading">Timeline</Txt>
        {events.data?.items.length === 0 ? <Txt variant="muted">Nothing yet.</Txt> : null}
        {events.data?.items.map((e) => (
          <Txt key={e.id} variant="muted">
            {formatTime(e.ts)} · {e.from ? `${label(e.from)} → ` : ''}
            {label(e.to)} · {e.cause}
          </Txt>
        ))}
      </Card>
      <Card label="Orders">
        <Txt variant="heading">Orders</Txt>
        {orders.data?.items.length === 0 ? <Txt variant="muted">No orders yet.</Txt> : null}
        {orders.data?.items.map((o) => (
          <Txt key={o.id} variant="muted">
            {formatTime(o.created_at)} · {o.side} {o.filled_quantity}/{o.quantity} @ {formatRupees(o.average_price)} · {o.status}
            {o.message ? ` · ${o.message}` : ''}
          </Txt>
        ))}
      </Card>
      <ConfirmDialog
        visible={confirmStop}
        title="Stop this strategy?"
        message={
          holding
            ? `You hold ${s.quantity} ${s.symbol}. Stopping sells the open position now at market price.`
            : 'No more orders will be placed. If a position is open when the stop arrives, it will be sold at market price.'
        }
        confirmTitle={holding ? 'Stop and sell' : 'Stop'}
        busy={stop.isPending}
        onConfirm={() => stop.mutate()}
        onCancel={() => setConfirmStop(false)}
      />
      <ConfirmDialog
        visible={confirmDelete}
        title="Delete this strategy?"
        message="It disappears from your list; its history is kept on the server."
        confirmTitle="Delete"
        busy={remove.isPending}
        onConfirm={() => remove.mutate()}
        onCancel={() => setConfirmDelete(false)}
      />
    </Screen>
  );
}
