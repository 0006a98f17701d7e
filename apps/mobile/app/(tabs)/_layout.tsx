import { Tabs } from 'expo-router';
import { LiveIndicator } from '../../components/LiveIndicator';
import { useTheme } from '../../theme/theme';

export default function TabsLayout() {
  const t = useTheme();
  return (
    <Tabs
      screenOptions={{
        headerStyle: { backgroundColor: t.card },
        headerTintColor: t.text,
        headerRight: () => <LiveIndicator />,
        tabBarStyle: { backgroundColor: t.card, borderTopColor: t.border },
        tabBarActiveTintColor: t.primary,
        tabBarInactiveTintColor: t.muted,
        tabBarIcon: () => null,
        tabBarIconStyle: { display: 'none' },
        tabBarLabelStyle: { fontSize: 15, fontWeight: '600' },
      }}
    >
      <Tabs.Screen name="home" options={{ title: 'Home', tabBarAccessibilityLabel: 'Home tab' }} />
      <Tabs.Screen name="strategies" options={{ title: 'Strategies', tabBarAccessibilityLabel: 'Strategies tab' }} />
      <Tabs.Screen name="brokers" options={{ title: 'Broker', tabBarAccessibilityLabel: 'Broker tab' }} />
      <Tabs.Screen name="profile" options={{ title: 'Profile', tabBarAccessibilityLabel: 'Profile tab' }} />
    </Tabs>
  );
}
