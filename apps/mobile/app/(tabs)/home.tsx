import { ActivityIndicator, View } from 'react-native';
import { useRouter } from 'expo-router';
import { useQuery } from '@tanstack/react-query';
import type { BrokerAccount } from '@ats/contracts';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Card, Screen } from '../../components/Screen';
import { StrategyList } from '../../components/StrategyList';
import { Txt } from '../../components/Txt';
import { brokerSpec } from '../../forms/broker-form';
import { api, useSession } from '../../state/app-state';
import { useLive } from '../../state/live-store';
import { needsBrowserLogin, useBrokerLogin } from '../../state/use-broker-login';
import { formatRupees, formatTime, useTheme } from '../../theme/theme';

function istDate(iso: string): string {
  return new Date(iso).toLocaleDateString('en-CA', { timeZone: 'Asia/Kolkata' });
}

interface HomeAlert {
  id: string;
  message: string;
  fixTitle: string;
  fix: () => void;
  busy?: boolean;
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
  const brokerLogin = useBrokerLogin();

  const pnl = today.reduce((sum, s) => sum + (live[s.id]?.pnl ?? 0), 0);
  const nextAt = today
    .map((s) => live[s.id]?.next_action_at)
    .filter((v): v is string => Boolean(v))
    .sort()[0];

  // The one-tap fix for a broker whose login stopped working: the broker's own login page where
  // there is one (Zerodha, Fyers), else the connect form already set to that account's broker.
  const brokerFix = (b: BrokerAccount): Pick<HomeAlert, 'fixTitle' | 'fix' | 'busy'> =>
    needsBrowserLogin(b)
      ? {
          fixTitle: `Log in to ${brokerSpec(b.broker).title}`,
          fix: () => brokerLogin.mutate(b.id),
          busy: brokerLogin.isPending && brokerLogin.variables === b.id,
        }
      : { fixTitle: 'Re-connect', fix: () => router.push({ pathname: '/brokers', params: { reconnect: b.id } }) };
  const brokerById = new Map((brokers.data?.items ?? []).map((b) => [b.id, b]));

  const alerts: HomeAlert[] = [];
  for (const b of brokers.data?.items ?? []) {
    if (b.status !== 'CONNECTED') {
      alerts.push({
        id: `broker-${b.id}`,
        message: b.status === 'TOKEN_EXPIRED' ? `${b.label}: broker login has expired.` : `${b.label}: ${b.status_message ?? 'connection problem'}.`,
        ...brokerFix(b),
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
    const account = a.broker_id ? brokerById.get(a.broker_id) : undefined;
    const accountFix = !strategyId && account ? brokerFix(account) : null;
    alerts.push({
      id: a.id,
      message: a.message,
      fixTitle: strategyId ? 'Open strategy' : accountFix ? accountFix.fixTitle : a.broker_id ? 'Open Broker tab' : 'Dismiss',
      busy: accountFix?.busy,
      fix: () => {
        dispatch({ type: 'dismiss_alert', id: a.id });
        if (strategyId) router.push({ pathname: '/strategies/[id]', params: { id: strategyId } });
        else if (accountFix) accountFix.fix();
        else if (a.broker_id) router.push('/brokers');
      },
    });
  }

  return (
    <Screen>
      <Txt variant="title">Hello{user ? `, ${user.name}` : ''}</Txt>
      <ErrorBanner error={strategies.error ?? brokers.error ?? brokerLogin.error} />
      {alerts.length > 0 ? (
        <Card label="Alerts">
          <Txt variant="heading">Needs attention</Txt>
          {alerts.map((a) => (
            <View key={a.id} style={{ gap: 6, paddingVertical: 4 }}>
              <Txt style={{ color: t.danger }}>{a.message}</Txt>
              <Button title={a.fixTitle} kind="secondary" onPress={a.fix} busy={a.busy} label={`${a.fixTitle}: ${a.message}`} />
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
      <StrategyList strategies={today} />
    </Screen>
  );
}
