import { useEffect } from 'react';
import { ActivityIndicator, View } from 'react-native';
import { Stack } from 'expo-router';
import { StatusBar } from 'expo-status-bar';
import { QueryClientProvider } from '@tanstack/react-query';
import { SafeAreaProvider } from 'react-native-safe-area-context';
import { queryClient, session, useSession } from '../state/app-state';
import { useLiveConnection, useRefetchOnLiveEvents } from '../state/use-live-connection';
import { useTheme } from '../theme/theme';

function Navigator() {
  const t = useTheme();
  const phase = useSession((s) => s.phase);
  useLiveConnection();
  useRefetchOnLiveEvents();

  useEffect(() => {
    void session.store.getState().boot();
  }, []);

  if (phase === 'booting') {
    return (
      <View style={{ flex: 1, alignItems: 'center', justifyContent: 'center', backgroundColor: t.bg }}>
        <ActivityIndicator accessibilityLabel="Loading" color={t.primary} />
      </View>
    );
  }

  const headerStyle = { backgroundColor: t.card };
  return (
    <Stack screenOptions={{ headerStyle, headerTintColor: t.text, contentStyle: { backgroundColor: t.bg } }}>
      {/* Guards swap the whole tree, so a 401 anywhere lands on login with nothing of the old user mounted. */}
      <Stack.Protected guard={phase === 'signed_in'}>
        <Stack.Screen name="(tabs)" options={{ headerShown: false }} />
        <Stack.Screen name="strategies/new" options={{ title: 'New strategy' }} />
        <Stack.Screen name="strategies/[id]/index" options={{ title: 'Strategy' }} />
        <Stack.Screen name="strategies/[id]/edit" options={{ title: 'Edit strategy' }} />
      </Stack.Protected>
      <Stack.Protected guard={phase === 'signed_out'}>
        <Stack.Screen name="(auth)" options={{ headerShown: false }} />
      </Stack.Protected>
    </Stack>
  );
}

export default function RootLayout() {
  const t = useTheme();
  return (
    <SafeAreaProvider>
      <QueryClientProvider client={queryClient}>
        <StatusBar style={t.dark ? 'light' : 'dark'} />
        <Navigator />
      </QueryClientProvider>
    </SafeAreaProvider>
  );
}
