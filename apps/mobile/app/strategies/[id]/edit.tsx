import { ActivityIndicator } from 'react-native';
import { useLocalSearchParams, useRouter } from 'expo-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ErrorBanner } from '../../../components/ErrorBanner';
import { Screen } from '../../../components/Screen';
import { StrategyForm } from '../../../components/StrategyForm';
import { formFromStrategy, updateBodyFor } from '../../../forms/strategy-form';
import { api } from '../../../state/app-state';

export default function EditStrategyScreen() {
  const { id } = useLocalSearchParams<{ id: string }>();
  const router = useRouter();
  const qc = useQueryClient();
  const strategy = useQuery({ queryKey: ['strategy', id], queryFn: () => api.strategy.get(id) });

  return (
    <Screen>
      <ErrorBanner error={strategy.error} />
      {strategy.isPending ? <ActivityIndicator accessibilityLabel="Loading strategy" /> : null}
      {strategy.data ? (
        <StrategyForm
          initial={formFromStrategy(strategy.data)}
          submitTitle="Save changes"
          lockIdentity={strategy.data.status === 'RUNNING'}
          onSubmit={async (body) => {
            const original = strategy.data;
            await api.strategy.update(id, updateBodyFor(original, body));
            await qc.invalidateQueries({ queryKey: ['strategy', id] });
            await qc.invalidateQueries({ queryKey: ['strategies'] });
            router.back();
          }}
        />
      ) : null}
    </Screen>
  );
}
