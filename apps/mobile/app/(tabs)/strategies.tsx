import { useState } from 'react';
import { ActivityIndicator } from 'react-native';
import { useRouter } from 'expo-router';
import { useQuery } from '@tanstack/react-query';
import type { StrategyStatus } from '@ats/contracts';
import { Button } from '../../components/Button';
import { Choice } from '../../components/Choice';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Screen } from '../../components/Screen';
import { StrategyList } from '../../components/StrategyList';
import { Txt } from '../../components/Txt';
import { api } from '../../state/app-state';

type Filter = 'ALL' | StrategyStatus;

export default function StrategiesScreen() {
  const router = useRouter();
  const [filter, setFilter] = useState<Filter>('ALL');
  const list = useQuery({
    queryKey: ['strategies', filter],
    queryFn: () => api.strategy.list({ status: filter === 'ALL' ? undefined : filter }),
  });

  return (
    <Screen>
      <Button title="New strategy" onPress={() => router.push('/strategies/new')} hint="Opens the form to create a strategy" testID="new-strategy" />
      <Choice<Filter>
        label="Show"
        value={filter}
        onChange={setFilter}
        options={[
          { value: 'ALL', title: 'All' },
          { value: 'RUNNING', title: 'Running' },
          { value: 'CREATED', title: 'Not started' },
          { value: 'STOPPED', title: 'Stopped' },
          { value: 'COMPLETED', title: 'Completed' },
          { value: 'FAILED', title: 'Failed' },
        ]}
      />
      <ErrorBanner error={list.error} />
      {list.isPending ? <ActivityIndicator accessibilityLabel="Loading strategies" /> : null}
      {list.data?.items.length === 0 ? <Txt variant="muted">No strategies yet. Create one to buy at a set time and sell later, with a stop-loss.</Txt> : null}
      <StrategyList strategies={list.data?.items ?? []} />
    </Screen>
  );
}
