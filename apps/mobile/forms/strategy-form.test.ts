import { describe, expect, it } from 'vitest';
import type { Strategy } from '@ats/contracts';
import { NSE_SESSION, emptyStrategyForm, normalizeTimeInput, stepTime, updateBodyFor, validateStrategyForm, type StrategyFormValues } from './strategy-form';

const BROKER = '6f1c1c2e-8a55-4c55-9b8f-5a4b7e7c1d11';
const INFY = { tick_size: 0.05, lot_size: 1 };
const valid: StrategyFormValues = { ...emptyStrategyForm, broker_id: BROKER, symbol: 'infy', buy_time: '09:20:00', sell_time: '15:10:00', stop_loss: '1450.55', quantity: '10' };

const fieldsOf = (values: StrategyFormValues, session = NSE_SESSION as typeof NSE_SESSION | null, instrument: typeof INFY | null = INFY) => {
  const r = validateStrategyForm(values, { session, instrument });
  return r.ok ? {} : r.fields;
};

describe('strategy form', () => {
  it('accepts a valid strategy and builds the create body with numbers and defaults', () => {
    const r = validateStrategyForm(valid, { session: NSE_SESSION, instrument: INFY });
    expect(r).toEqual({
      ok: true,
      value: { name: null, broker_id: BROKER, exchange: 'NSE', symbol: 'INFY', buy_time: '09:20:00', sell_time: '15:10:00', stop_loss: 1450.55, quantity: 10, repeat: 'once' },
    });
  });

  it('says the stop-loss is mandatory, never "expected number"', () => {
    expect(fieldsOf({ ...valid, stop_loss: '' }).stop_loss).toBe('Stop-loss is mandatory');
    expect(fieldsOf({ ...valid, stop_loss: 'abc' }).stop_loss).toBe('Stop-loss must be a price in rupees');
    expect(fieldsOf({ ...valid, stop_loss: '0' }).stop_loss).toBe('Stop-loss must be greater than 0');
    expect(fieldsOf({ ...valid, stop_loss: '10.001' }).stop_loss).toBe('Stop-loss can have at most 2 decimal places (paise)');
  });

  it('checks the tick size of the picked instrument', () => {
    expect(fieldsOf({ ...valid, stop_loss: '1450.52' }).stop_loss).toBe('Stop-loss must be a multiple of the tick size ₹0.05');
    expect(fieldsOf({ ...valid, stop_loss: '1450.52' }, NSE_SESSION, null).stop_loss).toBeUndefined();
  });

  it('checks quantity and lot size', () => {
    expect(fieldsOf({ ...valid, quantity: '' }).quantity).toBe('Quantity is required');
    expect(fieldsOf({ ...valid, quantity: '1.5' }).quantity).toBe('Quantity must be a whole number of at least 1');
    expect(fieldsOf({ ...valid, quantity: '0' }).quantity).toBe('Quantity must be a whole number of at least 1');
    expect(fieldsOf({ ...valid, quantity: '30' }, NSE_SESSION, { tick_size: 0.05, lot_size: 25 }).quantity).toBe('Quantity must be a multiple of the lot size 25');
  });

  it('keeps times inside the session, before the cutoff, buy before sell', () => {
    expect(fieldsOf({ ...valid, buy_time: '09:00:00' }).buy_time).toBe('Buy time must be within market hours, 09:15:00 to 15:30:00');
    expect(fieldsOf({ ...valid, sell_time: '15:20:00' }).sell_time).toBe('Sell time must be no later than the square-off cutoff 15:15:00');
    expect(fieldsOf({ ...valid, buy_time: '10:00:00', sell_time: '09:30:00' }).sell_time).toBe('Sell time must be after buy time');
    expect(fieldsOf({ ...valid, buy_time: '9:20' }).buy_time).toBe('Buy time must be in HH:MM:SS format, e.g. 09:20:00');
  });

  it('allows any time of day against an always-open server, but still buy before sell', () => {
    expect(fieldsOf({ ...valid, buy_time: '22:00:00', sell_time: '22:00:20' }, null)).toEqual({});
    expect(fieldsOf({ ...valid, buy_time: '22:00:20', sell_time: '22:00:00' }, null).sell_time).toBe('Sell time must be after buy time');
  });

  it('asks for a broker and a symbol', () => {
    const f = fieldsOf({ ...valid, broker_id: '', symbol: '' });
    expect(f.broker_id).toBe('Choose a broker account');
    expect(f.symbol).toBe('Symbol is required');
  });

  it('normalises typed times and steps within limits', () => {
    expect(normalizeTimeInput('9:20')).toBe('09:20:00');
    expect(normalizeTimeInput('092005')).toBe('09:20:05');
    expect(normalizeTimeInput('25:00')).toBe('25:00');
    expect(stepTime('15:14:30', 60, { min: '09:15:00', max: '15:15:00' })).toBe('15:15:00');
    expect(stepTime('09:15:00', -1, { min: '09:15:00', max: '15:15:00' })).toBe('09:15:00');
    expect(stepTime('23:59:59', 1, null)).toBe('00:00:00');
  });

  it('sends only changed fields on edit', () => {
    const original: Strategy = {
      id: '0a4e6f7e-7f6c-4b0a-9a77-1f1d3d9d2b10',
      name: null,
      broker_id: BROKER,
      exchange: 'NSE',
      symbol: 'INFY',
      buy_time: '09:20:00',
      sell_time: '15:10:00',
      stop_loss: 1450.55,
      quantity: 10,
      repeat: 'once',
      status: 'RUNNING',
      reason: null,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
    };
    const r = validateStrategyForm({ ...valid, stop_loss: '1440' }, { session: NSE_SESSION, instrument: INFY });
    expect(r.ok).toBe(true);
    if (r.ok) expect(updateBodyFor(original, r.value)).toEqual({ stop_loss: 1440 });
  });
});
