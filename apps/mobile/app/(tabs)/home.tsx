import { ActivityIndicator, View } from 'react-native';
import { useRouter } from 'expo-router';
import { useEffect } from 'react';
import { useQueries, useQuery } from '@tanstack/react-query';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Card, Screen } from '../../components/Screen';
import { StrategyRow } from '../../components/StrategyRow';
import { Txt } from '../../components/Txt';
import { api, useSession } from '../../state/app-state';
import { useLive } from '../../state/live-store';
import { useWatchStrategies } from '../../state/use-watch';
import { formatRupees, formatTime, useTheme } from '../../theme/theme';

function istDate(iso: string): string {
  return new Date(iso).toLocaleDateString('en-CA', { timeZone: 'Asia/Kolkata' });
}

interface HomeAlert {
  id: string;
  message: string;
  fixTitle: string;
  fix: () => void;
}

export default function HomeScreen() {
  const t = useTheme();
  const router = useRouter();
  const user = useSession((s) => s.user);
  const strategies = useQuery({ queryKey: ['strategies', 'ALL'], queryFn: () => api.strategy.list() });
  const brokers = useQuery({ queryKey: ['brokers'], queryFn: () => api.broker.status() });
  const live = useLive((s) => s.strategies);
  const liveAlerts = useLive((s) => s.alerts);
  const dispatch = useLive((s) => s.dispatch);

  const items = strategies.data?.items ?? [];
  const todayIst = istDate(new Date().toISOString());
  // Finished today counts too: the day's P&L includes runs that already exited.
  const today = items.filter((s) => s.status === 'RUNNING' || live[s.id]?.phase || istDate(s.updated_at) === todayIst);
  useWatchStrategies(items.filter((s) => s.status === 'RUNNING').map((s) => s.id));
  const statuses = useQueries({
    queries: today.map((s) => ({ queryKey: ['strategy', s.id, 'status'], queryFn: () => api.strategy.status(s.id) })),
  });
  const statusStamp = statuses.map((q) => q.dataUpdatedAt).join(',');
  useEffect(() => {
    statuses.forEach((q, i) => {
      const id = today[i]?.id;
      if (id && q.data) dispatch({ type: 'polled', strategyId: id, status: q.data, receivedAt: Date.now() });
    });
    // statusStamp changes exactly when a status query got new data.
  }, [statusStamp]);

  const pnl = today.reduce((sum, s) => sum + (live[s.id]?.pnl ?? 0), 0);
  const nextAt = today
    .map((s) => live[s.id]?.next_action_at)
    .filter((v): v is string => Boolean(v))
    .sort()[0];

  const alerts: HomeAlert[] = [];
  for (const b of brokers.data?.items ?? []) {
    if (b.status !== 'CONNECTED') {
      alerts.push({
        id: `broker-${b.id}`,
        message: b.status === 'TOKEN_EXPIRED' ? `${b.label}: broker login has expired.` : `${b.label}: ${b.status_message ?? 'connection problem'}.`,
        fixTitle: 'Fix on Broker tab',
        fix: () => router.push('/brokers'),
      });
    }
  }
  for (const s of items) {
    if (s.status === 'FAILED') {
      alerts.push({ id: `failed-${s.id}`, message: `${s.symbol}: ${s.reason ?? 'needs your attention'}`, fixTitle: 'Open strategy', fix: () => router.push({ pathname: '/strategies/[id]', params: { id: s.id } }) });
    }
  }
  for (const a of liveAlerts) {
    const strategyId = a.strategy_id;
    alerts.push({
      id: a.id,
      message: a.message,
      fixTitle: strategyId ? 'Open strategy' : a.broker_id ? 'Fix on Broker tab' : 'Dismiss',
      fix: () => {
        dispatch({ type: 'dismiss_alert', id: a.id });
        if (strategyId) router.push({ pathname: '/strategies/[id]', params: { id: strategyId } });
        else if (a.broker_id) router.push('/brokers');
      },
    });
  }

  return (
    <Screen>
      <Txt variant="title">Hello{user ? `, ${user.name}` : ''}</Txt>
      <ErrorBanner error={strategies.error ?? brokers.error} />
      {alerts.length > 0 ? (
        <Card label="Alerts">
          <Txt variant="heading">Needs attention</Txt>
          {alerts.map((a) => (
            <View key={a.id} style={{ gap: 6, paddingVertical: 4 }}>
              <Txt style={{ color: t.danger }}>{a.message}</Txt>
              <Button title={a.fixTitle} kind="secondary" onPress={a.fix} label={`${a.fixTitle}: ${a.message}`} />
            </View>
          ))}
        </Card>
      ) : null}
      <Card label="Today">
        <Txt variant="heading">Today</Txt>
        <Txt>
          P&amp;L of the day: <Txt style={{ color: pnl >= 0 ? t.success : t.danger, fontWeight: '700' }}>{formatRupees(pnl)}</Txt>
        </Txt>
        <Txt variant="muted">Next action: {nextAt ? formatTime(nextAt) : 'nothing scheduled'}</Txt>
      </Card>
      {strategies.isPending ? <ActivityIndicator accessibilityLabel="Loading today's runs" /> : null}
      {today.length === 0 && !strategies.isPending ? (
        <Card>
          <Txt variant="muted">No runs today.</Txt>
          {(brokers.data?.items.length ?? 0) === 0 ? (
            <Button title="Connect a broker" onPress={() => router.push('/brokers')} />
          ) : (
            <Button title="Create a strategy" onPress={() => router.push('/strategies/new')} />
          )}
        </Card>
      ) : null}
      <View style={{ gap: 8 }}>
        {today.map((s) => (
          <StrategyRow key={s.id} strategy={s} />
        ))}
      </View>
    </Screen>
  );
}
