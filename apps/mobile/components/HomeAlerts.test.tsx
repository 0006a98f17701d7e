// @vitest-environment jsdom
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { BrokerAccount, BrokerKind } from '@ats/contracts';
import { brokerAccount } from './broker-account.test-support';
import { useLive } from '../state/live-store';
import BrokerScreen from '../app/(tabs)/brokers';
import HomeScreen from '../app/(tabs)/home';

const mocks = vi.hoisted(() => ({
  api: {
    strategy: { list: vi.fn(), status: vi.fn() },
    broker: { status: vi.fn(), loginUrl: vi.fn() },
  },
  push: vi.fn(),
  setParams: vi.fn(),
  params: {} as Record<string, string>,
  openBrowserAsync: vi.fn(),
}));
vi.mock('../state/app-state', () => ({
  api: mocks.api,
  useSession: <T,>(select: (s: { user: { name: string } }) => T) => select({ user: { name: 'Asha' } }),
}));
vi.mock('../state/use-live-connection', () => ({ pollLiveSoon: () => undefined }));
vi.mock('expo-router', () => ({ useRouter: () => ({ push: mocks.push, setParams: mocks.setParams }), useLocalSearchParams: () => mocks.params }));
vi.mock('expo-web-browser', () => ({ openBrowserAsync: mocks.openBrowserAsync }));

const expired = (id: string, broker: BrokerKind, label: string): BrokerAccount => brokerAccount({ id, broker, label, status: 'TOKEN_EXPIRED' });
const ZERODHA = '00000000-0000-4000-8000-000000000001';
const DHAN = '00000000-0000-4000-8000-000000000002';

beforeEach(() => {
  useLive.getState().dispatch({ type: 'reset' });
  mocks.api.strategy.list.mockResolvedValue({ items: [], next_cursor: null });
  mocks.api.broker.status.mockResolvedValue({ items: [expired(ZERODHA, 'zerodha', 'My Kite'), expired(DHAN, 'dhan', 'My Dhan')] });
  mocks.api.broker.loginUrl.mockResolvedValue({ url: 'https://kite.zerodha.com/connect/login?api_key=k', state: 's' });
  mocks.openBrowserAsync.mockResolvedValue({ type: 'dismiss' });
  mocks.params = {};
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

function renderWithQueries(node: ReactNode) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(<QueryClientProvider client={qc}>{node}</QueryClientProvider>);
}
const renderHome = () => renderWithQueries(<HomeScreen />);

describe('Home: an expired broker login is fixed in one tap', () => {
  it("opens the broker's own login page for a redirect-login broker", async () => {
    renderHome();
    fireEvent.click(await screen.findByLabelText('Log in to Zerodha (Kite): My Kite: broker login has expired.'));
    await waitFor(() => expect(mocks.openBrowserAsync).toHaveBeenCalledWith('https://kite.zerodha.com/connect/login?api_key=k'));
    expect(mocks.api.broker.loginUrl).toHaveBeenCalledWith(ZERODHA);
    expect(mocks.push).not.toHaveBeenCalled();
  });

  it('opens the re-connect form for that account for other brokers', async () => {
    renderHome();
    fireEvent.click(await screen.findByLabelText('Re-connect: My Dhan: broker login has expired.'));
    expect(mocks.push).toHaveBeenCalledWith({ pathname: '/brokers', params: { reconnect: DHAN } });
    expect(mocks.api.broker.loginUrl).not.toHaveBeenCalled();
  });
});

describe('Broker tab: the re-connect form', () => {
  it("starts on the account's broker and label", async () => {
    mocks.params = { reconnect: DHAN };
    renderWithQueries(<BrokerScreen />);
    expect(await screen.findByText('Re-connect My Dhan')).toBeTruthy();
    expect((screen.getByLabelText('Label (optional)') as HTMLInputElement).value).toBe('My Dhan');
    expect(screen.getByLabelText('Client ID')).toBeTruthy();
    expect(screen.getByTestId('connect-broker').textContent).toBe('Connect Dhan');
  });
});
