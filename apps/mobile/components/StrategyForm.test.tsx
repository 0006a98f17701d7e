// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { BrokerAccount, Instrument } from '@ats/contracts';
import { ApiError } from '../api/errors';
import { emptyStrategyForm, type StrategyFormValues } from '../forms/strategy-form';
import { StrategyForm } from './StrategyForm';
import { brokerAccount } from './broker-account.test-support';

const api = vi.hoisted(() => ({
  broker: { status: vi.fn() },
  instruments: { search: vi.fn() },
}));
vi.mock('../state/app-state', () => ({ api }));

const BROKER_ID = '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';
const account: BrokerAccount = brokerAccount({ id: BROKER_ID, broker: 'paper', label: 'Paper' });
const listing = (exchange: 'NSE' | 'BSE', symbol: string, tick_size: number): Instrument => ({ exchange, symbol, name: `${symbol} Ltd`, tick_size, lot_size: 1 });

const editing: StrategyFormValues = {
  ...emptyStrategyForm,
  broker_id: BROKER_ID,
  exchange: 'NSE',
  symbol: 'INFY',
  stop_loss: '1450.50',
  quantity: '2',
};

function renderForm(initial: StrategyFormValues, onSubmit = vi.fn(async () => undefined)) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={qc}>
      <StrategyForm initial={initial} submitTitle="Save changes" onSubmit={onSubmit} />
    </QueryClientProvider>,
  );
  return { onSubmit };
}

const input = (label: string) => screen.getByLabelText(label) as HTMLInputElement;
const type = (label: string, value: string) => fireEvent.change(input(label), { target: { value } });
const submit = () => fireEvent.click(screen.getByTestId('strategy-submit'));
const alertTexts = () => screen.queryAllByRole('alert').map((el) => el.textContent);

beforeEach(() => {
  api.broker.status.mockResolvedValue({ items: [account] });
  // The exact listing is neither the first result nor the only one with that symbol.
  api.instruments.search.mockResolvedValue({ items: [listing('BSE', 'INFY', 0.01), listing('NSE', 'INFYBEES', 0.01), listing('NSE', 'INFY', 0.05)] });
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

describe('StrategyForm: editing knows the tick size of the saved symbol', () => {
  it('looks the symbol up on mount and hints the tick size of the exact exchange and symbol', async () => {
    renderForm(editing);
    expect(await screen.findByText('Must be a multiple of the tick size ₹0.05')).toBeTruthy();
    expect(screen.queryByText('Pick a symbol to see its tick size')).toBeNull();
    expect(api.instruments.search).toHaveBeenCalledWith('INFY', BROKER_ID);
  });

  it('checks the stop-loss against that tick size before anything is sent', async () => {
    const { onSubmit } = renderForm(editing);
    await screen.findByText('Must be a multiple of the tick size ₹0.05');
    type('Stop-loss (₹)', '1450.53');
    submit();
    await waitFor(() => expect(alertTexts()).toContain('Stop-loss must be a multiple of the tick size ₹0.05'));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(input('Stop-loss (₹)').value).toBe('1450.53');
  });

  it('drops the looked-up tick size once another symbol is typed', async () => {
    renderForm(editing);
    await screen.findByText('Must be a multiple of the tick size ₹0.05');
    type('Symbol', 'TCS');
    expect(await screen.findByText('Pick a symbol to see its tick size')).toBeTruthy();
  });

  it('does not search for a new, empty form', async () => {
    renderForm(emptyStrategyForm);
    await screen.findByText('Pick a symbol to see its tick size');
    expect(api.instruments.search).not.toHaveBeenCalled();
  });
});

describe('StrategyForm: errors are shown inline and nothing typed is lost', () => {
  it('shows the field error on invalid input and keeps every typed value', async () => {
    const { onSubmit } = renderForm(emptyStrategyForm);
    type('Name (optional)', 'Morning INFY');
    type('Symbol', 'INFY');
    type('Quantity', '3');
    submit();
    await waitFor(() => expect(alertTexts()).toContain('Stop-loss is mandatory'));
    const stopLoss = input('Stop-loss (₹)');
    expect(stopLoss.getAttribute('aria-invalid')).toBe('true');
    expect(onSubmit).not.toHaveBeenCalled();
    expect(input('Name (optional)').value).toBe('Morning INFY');
    expect(input('Symbol').value).toBe('INFY');
    expect(input('Quantity').value).toBe('3');
  });

  it("shows the server's field message next to its field and keeps the values", async () => {
    const refused = new ApiError({ kind: 'validation', status: 400, code: 'VALIDATION_FAILED', message: 'Please fix the highlighted fields.', fields: { quantity: 'Quantity is above your limit' } });
    const { onSubmit } = renderForm(editing, vi.fn(async () => Promise.reject(refused)));
    await screen.findByText('Must be a multiple of the tick size ₹0.05');
    type('Quantity', '5000');
    submit();
    await waitFor(() => expect(alertTexts()).toContain('Quantity is above your limit'));
    expect(onSubmit).toHaveBeenCalledTimes(1);
    expect(input('Quantity').value).toBe('5000');
    expect(input('Symbol').value).toBe('INFY');
    expect(input('Stop-loss (₹)').value).toBe('1450.50');
  });
});
