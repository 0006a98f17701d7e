import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  CreateStrategyBody,
  Strategy,
  StrategyListQuery,
  StrategyStatusResponse,
  UpdateStrategyBody,
} from './strategy';

const valid = {
  broker_id: '3f1b8a52-1d7c-4a8e-9b0f-6c2d4e5f7a81',
  symbol: 'infy',
  buy_time: '09:20:00',
  sell_time: '15:00:00',
  stop_loss: 1450.5,
  quantity: 10,
};

function fieldErrors(schema: z.ZodType, input: unknown): Record<string, string> {
  const r = schema.safeParse(input);
  if (r.success) return {};
  const out: Record<string, string> = {};
  for (const issue of r.error.issues) out[issue.path.join('.')] ??= issue.message;
  return out;
}

describe('CreateStrategyBody', () => {
  it('accepts a minimal strategy and applies defaults', () => {
    expect(CreateStrategyBody.parse(valid)).toEqual({ ...valid, symbol: 'INFY', exchange: 'NSE', repeat: 'once' });
  });

  it('treats a blank name as no name', () => {
    expect(CreateStrategyBody.parse({ ...valid, name: '  ' }).name).toBeNull();
    expect(CreateStrategyBody.parse({ ...valid, name: ' Morning INFY ' }).name).toBe('Morning INFY');
  });

  it.each([
    [{ stop_loss: undefined }, 'stop_loss', 'Stop-loss is mandatory'],
    [{ stop_loss: null }, 'stop_loss', 'Stop-loss is mandatory'],
    [{ stop_loss: '100' }, 'stop_loss', 'Stop-loss must be a price in rupees'],
    [{ stop_loss: 0 }, 'stop_loss', 'Stop-loss must be greater than 0'],
    [{ stop_loss: -5 }, 'stop_loss', 'Stop-loss must be greater than 0'],
    [{ stop_loss: 100.123 }, 'stop_loss', 'Stop-loss can have at most 2 decimal places (paise)'],
    [{ stop_loss: 1e12 }, 'stop_loss', 'Stop-loss is too high'],
    [{ quantity: undefined }, 'quantity', 'Quantity is required'],
    [{ quantity: 0 }, 'quantity', 'Quantity must be a whole number of at least 1'],
    [{ quantity: 2.5 }, 'quantity', 'Quantity must be a whole number of at least 1'],
    [{ quantity: '10' }, 'quantity', 'Quantity must be a whole number of at least 1'],
    [{ buy_time: undefined }, 'buy_time', 'Buy time is required'],
    [{ buy_time: '9:20' }, 'buy_time', 'Buy time must be in HH:MM:SS format, e.g. 09:20:00'],
    [{ sell_time: '25:00:00' }, 'sell_time', 'Sell time must be in HH:MM:SS format, e.g. 09:20:00'],
    [{ sell_time: 900 }, 'sell_time', 'Sell time must be text like 09:20:00'],
    [{ symbol: undefined }, 'symbol', 'Symbol is required'],
    [{ symbol: '   ' }, 'symbol', 'Symbol is required'],
    [{ symbol: 'IN FY' }, 'symbol', 'Enter a valid symbol, e.g. INFY'],
    [{ broker_id: undefined }, 'broker_id', 'Choose a broker account'],
    [{ broker_id: 'abc' }, 'broker_id', 'Broker account id is not valid'],
    [{ exchange: 'MCX' }, 'exchange', 'Exchange must be NSE or BSE'],
    [{ repeat: 'weekly' }, 'repeat', 'Repeat must be "once" or "daily"'],
    [{ name: 'x'.repeat(101) }, 'name', 'Name can be at most 100 characters'],
  ])('%o → %s: %s', (patch, field, message) => {
    expect(fieldErrors(CreateStrategyBody, { ...valid, ...patch })).toEqual({ [field]: message });
  });

  it('keeps symbols with & and -', () => {
    expect(CreateStrategyBody.parse({ ...valid, symbol: 'm&m' }).symbol).toBe('M&M');
    expect(CreateStrategyBody.parse({ ...valid, symbol: 'BAJAJ-AUTO' }).symbol).toBe('BAJAJ-AUTO');
  });
});

describe('UpdateStrategyBody', () => {
  it('accepts any subset without filling defaults', () => {
    expect(UpdateStrategyBody.parse({})).toEqual({});
    expect(UpdateStrategyBody.parse({ stop_loss: 99.95 })).toEqual({ stop_loss: 99.95 });
  });

  it('still checks the fields it is given', () => {
    expect(fieldErrors(UpdateStrategyBody, { quantity: 0 })).toEqual({ quantity: 'Quantity must be a whole number of at least 1' });
    expect(fieldErrors(UpdateStrategyBody, { stop_loss: null })).toEqual({ stop_loss: 'Stop-loss is mandatory' });
  });
});

describe('list query', () => {
  it('coerces the query string and defaults the page size', () => {
    expect(StrategyListQuery.parse({})).toEqual({ limit: 20 });
    expect(StrategyListQuery.parse({ limit: '5', status: 'RUNNING', cursor: 'abc' })).toEqual({ limit: 5, status: 'RUNNING', cursor: 'abc' });
  });

  it('refuses bad limits and statuses', () => {
    expect(fieldErrors(StrategyListQuery, { limit: '0' })).toEqual({ limit: 'Limit must be at least 1' });
    expect(fieldErrors(StrategyListQuery, { limit: '500' })).toEqual({ limit: 'Limit can be at most 100' });
    expect(Object.keys(fieldErrors(StrategyListQuery, { status: 'PAUSED' }))).toEqual(['status']);
  });
});

describe('responses', () => {
  it('describes a strategy', () => {
    const s = {
      ...valid,
      symbol: 'INFY',
      id: '0b7e4f9a-2c3d-4e5f-8a9b-1c2d3e4f5a6b',
      name: null,
      exchange: 'NSE',
      repeat: 'daily',
      status: 'RUNNING',
      reason: null,
      created_at: '2026-03-04T03:45:00.000Z',
      updated_at: '2026-03-04T09:15:00+05:30',
    };
    expect(Strategy.parse(s)).toEqual(s);
  });

  it('describes a live status with rupee prices', () => {
    const status = {
      status: 'RUNNING',
      phase: 'BOUGHT',
      last_action: 'BUY_FILLED',
      last_price: 1452.35,
      entry_price: 1451.1,
      exit_price: null,
      pnl: null,
      next_action_at: '2026-03-04T09:30:00Z',
      reason: null,
      updated_at: '2026-03-04T03:50:00Z',
    };
    expect(StrategyStatusResponse.parse(status)).toEqual(status);
    expect(StrategyStatusResponse.safeParse({ ...status, phase: 'HOLDING' }).success).toBe(false);
  });
});
