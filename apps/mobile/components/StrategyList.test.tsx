// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { RunPhase, Strategy, StrategyStatus, StrategyStatusResponse } from '@ats/contracts';
import { useLive } from '../state/live-store';
import { TONE_COLOURS } from '../theme/theme';
import { StrategyList } from './StrategyList';

const api = vi.hoisted(() => ({ strategy: { status: vi.fn() } }));
vi.mock('../state/app-state', () => ({ api }));
vi.mock('../state/use-live-connection', () => ({ pollLiveSoon: () => undefined }));
vi.mock('expo-router', () => ({ useRouter: () => ({ push: () => undefined }) }));

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const strategy = (n: number, status: StrategyStatus): Strategy => ({
  id: uuid(n),
  name: `Run ${n}`,
  broker_id: uuid(99),
  exchange: 'NSE',
  symbol: 'INFY',
  buy_time: '09:20:00',
  sell_time: '15:10:00',
  stop_loss: 1400,
  quantity: 1,
  repeat: 'once',
  status,
  reason: null,
  created_at: '2026-01-05T03:00:00.000Z',
  updated_at: '2026-01-05T04:00:00.000Z',
});
const runStatus = (status: StrategyStatus, phase: RunPhase | null): StrategyStatusResponse => ({
  status,
  phase,
  last_action: null,
  last_price: null,
  entry_price: null,
  exit_price: null,
  pnl: null,
  next_action_at: null,
  reason: null,
  updated_at: '2026-01-05T05:00:00.000Z',
});

// As the server would answer after a reload: the list only says RUNNING or COMPLETED.
const listed: [Strategy, StrategyStatusResponse | null][] = [
  [strategy(1, 'RUNNING'), runStatus('RUNNING', 'WAITING_BUY')],
  [strategy(2, 'RUNNING'), runStatus('RUNNING', 'BOUGHT')],
  [strategy(3, 'COMPLETED'), runStatus('COMPLETED', 'EXITED_BY_STOP_LOSS')],
  [strategy(4, 'STOPPED'), runStatus('STOPPED', 'EXITED_BY_USER_STOP')],
  [strategy(5, 'FAILED'), runStatus('FAILED', 'FAILED')],
  [strategy(6, 'CREATED'), null],
];

const bg = (el: HTMLElement) => getComputedStyle(el).backgroundColor;
const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
const chipOf = (n: number) => within(screen.getByTestId(`strategy-row-${uuid(n)}`)).getByTestId('status-chip');

beforeEach(() => {
  useLive.getState().dispatch({ type: 'reset' });
  api.strategy.status.mockImplementation(async (id: string) => {
    const hit = listed.find(([s]) => s.id === id);
    if (!hit?.[1]) throw new Error(`no run for ${id}`);
    return hit[1];
  });
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

describe('StrategyList: status colours come from each run, not only from what the socket pushed', () => {
  it('reads /status for every strategy that has run and colours each chip by its phase', async () => {
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={qc}>
        <StrategyList strategies={listed.map(([s]) => s)} />
      </QueryClientProvider>,
    );
    // Before the reads land the chips can only say what the list says.
    expect(chipOf(2).textContent).toBe('Running');

    const expected: [number, string, string][] = [
      [1, 'Waiting to buy', TONE_COLOURS.running],
      [2, 'Bought', TONE_COLOURS.bought],
      [3, 'Stop-loss hit', TONE_COLOURS.stoploss],
      [4, 'Sold on stop', TONE_COLOURS.stopped],
      [5, 'Failed', TONE_COLOURS.failed],
      [6, 'Not started', TONE_COLOURS.neutral],
    ];
    await waitFor(() => {
      for (const [n, text, colour] of expected) {
        expect(chipOf(n).textContent, `strategy ${n}`).toBe(text);
        expect(bg(chipOf(n)), `strategy ${n}`).toBe(rgb(colour));
      }
    });
    // A strategy that never started has no run to read.
    expect(api.strategy.status.mock.calls.map(([id]) => id).sort()).toEqual([1, 2, 3, 4, 5].map(uuid));
  });
});
