import { useRouter } from 'expo-router';
import { useQueryClient } from '@tanstack/react-query';
import { Screen } from '../../components/Screen';
import { StrategyForm } from '../../components/StrategyForm';
import { emptyStrategyForm } from '../../forms/strategy-form';
import { api } from '../../state/app-state';

export default function NewStrategyScreen() {
  const router = useRouter();
  const qc = useQueryClient();
  return (
    <Screen>
      <StrategyForm
        initial={emptyStrategyForm}
        submitTitle="Create strategy"
        onSubmit={async (body) => {
          const created = await api.strategy.create(body);
          await qc.invalidateQueries({ queryKey: ['strategies'] });
          router.replace({ pathname: '/strategies/[id]', params: { id: created.id } });
        }}
      />
    </Screen>
  );
}
