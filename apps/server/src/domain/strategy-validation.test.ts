import { CreateStrategyBody, UpdateStrategyBody } from '@ats/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors';
import { paise } from './price';
import type { StrategySpec } from './strategy';
import {
  toStrategyInput,
  validateStrategy,
  validateStrategyUpdate,
  type StrategyInput,
  type StrategyValidationContext,
} from './strategy-validation';
import { DEFAULT_SQUARE_OFF_CUTOFF, NSE_SESSION } from './trading-calendar';

const ctx: StrategyValidationContext = {
  instrument: { tickSizePaise: paise(5), lotSize: 1 },
  maxQuantity: 10_000,
  calendarMode: 'exchange',
  session: NSE_SESSION,
  cutoff: DEFAULT_SQUARE_OFF_CUTOFF,
};
const alwaysOpen: StrategyValidationContext = { ...ctx, calendarMode: 'always-open' };

const input: StrategyInput = {
  broker_id: '3f1b8a52-1d7c-4a8e-9b0f-6c2d4e5f7a81',
  symbol: 'infy',
  buy_time: '09:20:00',
  sell_time: '15:00:00',
  stop_loss: 1450.55,
  quantity: 10,
};

function errorsOf(fn: () => unknown): Record<string, string> {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).code).toBe('VALIDATION_FAILED');
    return (e as ValidationError).fields ?? {};
  }
  throw new Error('expected a ValidationError');
}

describe('validateStrategy: a valid strategy', () => {
  it('becomes a domain spec in paise with defaults', () => {
    expect(validateStrategy(input, ctx)).toEqual({
      name: null,
      brokerId: input.broker_id,
      exchange: 'NSE',
      symbol: 'INFY',
      buyTime: '09:20:00',
      sellTime: '15:00:00',
      stopLossPaise: 145_055,
      quantity: 10,
      repeat: 'once',
    });
  });

  it('accepts the session edges: buy at the open, sell at the cutoff', () => {
    expect(() => validateStrategy({ ...input, buy_time: '09:15:00', sell_time: '15:15:00' }, ctx)).not.toThrow();
  });

  it('accepts the per-user maximum quantity', () => {
    expect(validateStrategy({ ...input, quantity: 10_000 }, ctx).quantity).toBe(10_000);
  });
});

describe('validateStrategy: every rule, with the trader’s message', () => {
  it.each<[Partial<StrategyInput> | Record<string, unknown>, Record<string, string>]>([
    [{ buy_time: '15:00:00', sell_time: '10:00:00' }, { sell_time: 'Sell time must be after buy time' }],
    [{ buy_time: '10:00:00', sell_time: '10:00:00' }, { sell_time: 'Sell time must be after buy time' }],
    [{ buy_time: '09:14:59' }, { buy_time: 'Buy time must be within market hours, 09:15:00 to 15:30:00' }],
    [{ buy_time: '16:00:00', sell_time: '16:30:00' }, {
      buy_time: 'Buy time must be within market hours, 09:15:00 to 15:30:00',
      sell_time: 'Sell time must be within market hours, 09:15:00 to 15:30:00',
    }],
    [{ sell_time: '15:15:01' }, { sell_time: 'Sell time must be no later than the square-off cutoff 15:15:00' }],
    [{ sell_time: '15:30:00' }, { sell_time: 'Sell time must be no later than the square-off cutoff 15:15:00' }],
    [{ sell_time: '15:31:00' }, { sell_time: 'Sell time must be within market hours, 09:15:00 to 15:30:00' }],
    [{ buy_time: '9:20' }, { buy_time: 'Buy time must be in HH:MM:SS format, e.g. 09:20:00' }],
    [{ sell_time: undefined }, { sell_time: 'Sell time is required' }],
    [{ stop_loss: undefined }, { stop_loss: 'Stop-loss is mandatory' }],
    [{ stop_loss: null }, { stop_loss: 'Stop-loss is mandatory' }],
    [{ stop_loss: Number.NaN }, { stop_loss: 'Stop-loss must be a price in rupees' }],
    [{ stop_loss: '100' }, { stop_loss: 'Stop-loss must be a price in rupees' }],
    [{ stop_loss: 0 }, { stop_loss: 'Stop-loss must be greater than 0' }],
    [{ stop_loss: -1 }, { stop_loss: 'Stop-loss must be greater than 0' }],
    [{ stop_loss: 1e-9 }, { stop_loss: 'Stop-loss must be greater than 0' }],
    [{ stop_loss: 1e300 }, { stop_loss: 'Stop-loss is too high' }],
    [{ stop_loss: 1450.555 }, { stop_loss: 'Stop-loss can have at most 2 decimal places (paise)' }],
    [{ stop_loss: 1450.52 }, { stop_loss: 'Stop-loss must be a multiple of the tick size ₹0.05' }],
    [{ quantity: undefined }, { quantity: 'Quantity is required' }],
    [{ quantity: 0 }, { quantity: 'Quantity must be a whole number of at least 1' }],
    [{ quantity: 1.5 }, { quantity: 'Quantity must be a whole number of at least 1' }],
    [{ quantity: 10_001 }, { quantity: 'Quantity can be at most 10,000' }],
    [{ broker_id: '' }, { broker_id: 'Choose a broker account' }],
    [{ exchange: 'MCX' }, { exchange: 'Exchange must be NSE or BSE' }],
    [{ symbol: ' ' }, { symbol: 'Symbol is required' }],
    [{ repeat: 'weekly' }, { repeat: 'Repeat must be "once" or "daily"' }],
    [{ name: 7 }, { name: 'Name must be text' }],
    [{ name: 'x'.repeat(101) }, { name: 'Name can be at most 100 characters' }],
  ])('%o → %o', (patch, fields) => {
    expect(errorsOf(() => validateStrategy({ ...input, ...patch } as StrategyInput, ctx))).toEqual(fields);
  });

  it('names an unknown symbol with its exchange', () => {
    expect(errorsOf(() => validateStrategy({ ...input, exchange: 'BSE', symbol: 'infyx' }, { ...ctx, instrument: null }))).toEqual({
      symbol: 'Unknown symbol INFYX on BSE',
    });
  });

  it('uses the instrument’s own tick size in the message', () => {
    const tick10 = { ...ctx, instrument: { tickSizePaise: paise(10), lotSize: 1 } };
    expect(errorsOf(() => validateStrategy({ ...input, stop_loss: 1450.55 }, tick10))).toEqual({
      stop_loss: 'Stop-loss must be a multiple of the tick size ₹0.10',
    });
    expect(validateStrategy({ ...input, stop_loss: 1450.6 }, tick10).stopLossPaise).toBe(145_060);
  });

  it('is exact for prices that are inexact as floats', () => {
    expect(validateStrategy({ ...input, stop_loss: 1573.15 }, ctx).stopLossPaise).toBe(157_315);
    expect(validateStrategy({ ...input, stop_loss: 0.05 }, ctx).stopLossPaise).toBe(5);
  });

  it('uses the configured maximum, in Indian digit grouping', () => {
    expect(errorsOf(() => validateStrategy({ ...input, quantity: 200_000 }, { ...ctx, maxQuantity: 100_000 }))).toEqual({
      quantity: 'Quantity can be at most 1,00,000',
    });
  });

  it('requires whole lots when the instrument trades in lots', () => {
    const lots = { ...ctx, instrument: { tickSizePaise: paise(5), lotSize: 25 } };
    expect(errorsOf(() => validateStrategy({ ...input, quantity: 30 }, lots))).toEqual({ quantity: 'Quantity must be a multiple of the lot size 25' });
    expect(validateStrategy({ ...input, quantity: 50 }, lots).quantity).toBe(50);
  });

  it('uses a configured cutoff', () => {
    const late = { ...ctx, cutoff: '15:20:00' };
    expect(validateStrategy({ ...input, sell_time: '15:20:00' }, late).sellTime).toBe('15:20:00');
    expect(errorsOf(() => validateStrategy({ ...input, sell_time: '15:20:01' }, late))).toEqual({
      sell_time: 'Sell time must be no later than the square-off cutoff 15:20:00',
    });
  });

  it('reports every bad field at once', () => {
    expect(Object.keys(errorsOf(() => validateStrategy({ ...input, stop_loss: 0, quantity: 0, buy_time: 'x' }, ctx))).sort()).toEqual([
      'buy_time',
      'quantity',
      'stop_loss',
    ]);
  });
});

describe('validateStrategy: always-open mode', () => {
  it('allows any hours and ignores the cutoff', () => {
    expect(validateStrategy({ ...input, buy_time: '22:00:00', sell_time: '23:59:59' }, alwaysOpen).sellTime).toBe('23:59:59');
  });

  it('still requires buy before sell', () => {
    expect(errorsOf(() => validateStrategy({ ...input, buy_time: '23:00:00', sell_time: '01:00:00' }, alwaysOpen))).toEqual({
      sell_time: 'Sell time must be after buy time',
    });
  });
});

describe('validateStrategyUpdate', () => {
  const current: StrategySpec = validateStrategy(input, ctx);

  it('keeps absent fields and applies present ones', () => {
    expect(validateStrategyUpdate(current, { stop_loss: 1400, name: 'Dip buy' }, ctx)).toEqual({
      ...current,
      stopLossPaise: 140_000,
      name: 'Dip buy',
    });
  });

  it('checks cross-field rules against the stored values', () => {
    expect(errorsOf(() => validateStrategyUpdate(current, { buy_time: '15:10:00' }, ctx))).toEqual({
      sell_time: 'Sell time must be after buy time',
    });
  });

  it('refuses clearing the stop-loss', () => {
    expect(errorsOf(() => validateStrategyUpdate(current, { stop_loss: null } as never, ctx))).toEqual({ stop_loss: 'Stop-loss is mandatory' });
  });

  it('round-trips a spec through its input form', () => {
    expect(validateStrategy(toStrategyInput(current), ctx)).toEqual(current);
  });
});

/** The API path: zod shape check, then the domain rules. Both must answer with field errors only. */
describe('property: create and update payloads never fail with anything but field errors', () => {
  const secondsToHms = (t: number) =>
    [Math.floor(t / 3600), Math.floor((t % 3600) / 60), t % 60].map((n) => String(n).padStart(2, '0')).join(':');
  // Mostly inside the session so that a fair share of payloads pass every rule.
  const hms = fc
    .oneof({ weight: 3, arbitrary: fc.integer({ min: 33_300, max: 55_800 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 86_399 }) })
    .map(secondsToHms);
  const junk = fc.oneof(fc.anything(), fc.string(), fc.double(), fc.constant(undefined), fc.constant(null));
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 12, arbitrary: arb }, { weight: 1, arbitrary: junk });

  const payload = fc.record(
    {
      name: maybe(fc.option(fc.string({ maxLength: 120 }))),
      broker_id: maybe(fc.uuid()),
      exchange: maybe(fc.constantFrom('NSE', 'BSE')),
      symbol: maybe(fc.stringMatching(/^[A-Za-z0-9&-]{1,12}$/)),
      buy_time: maybe(hms),
      sell_time: maybe(hms),
      stop_loss: maybe(
        fc.oneof(
          { weight: 3, arbitrary: fc.integer({ min: 1, max: 200_000 }) },
          { weight: 3, arbitrary: fc.integer({ min: 1, max: 2_000_000 }).map((n) => (n * 5) / 100) },
          { weight: 2, arbitrary: fc.integer({ min: 1, max: 2_000_000 }).map((p) => p / 100) },
          { weight: 1, arbitrary: fc.double({ min: -1e6, max: 1e13, noNaN: false }) },
          { weight: 1, arbitrary: fc.constantFrom(0, -0, 1e-9, Number.MAX_VALUE, Number.MIN_VALUE) },
        ),
      ),
      quantity: maybe(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 1_000 }) }, { weight: 1, arbitrary: fc.integer({ min: -5, max: 20_000 }) }, { weight: 1, arbitrary: fc.double() })),
      repeat: maybe(fc.constantFrom('once', 'daily')),
    },
    // Keys are always present; `junk` supplies undefined for a missing one.
  ).chain((body) =>
    // Half the time put the two times in order, so cross-field rules are passed as often as failed.
    fc.boolean().map((ordered) => {
      const { buy_time: b, sell_time: s } = body;
      return ordered && typeof b === 'string' && typeof s === 'string' && b > s ? { ...body, buy_time: s, sell_time: b } : body;
    }),
  );

  const contexts = fc.record({
    instrument: fc.option(fc.record({ tickSizePaise: fc.constantFrom(1, 5, 10, 100).map(paise), lotSize: fc.constantFrom(1, 1, 1, 25) })),
    maxQuantity: fc.integer({ min: 1, max: 20_000 }),
    calendarMode: fc.constantFrom('exchange' as const, 'always-open' as const),
    session: fc.constant(NSE_SESSION),
    cutoff: fc.constantFrom('15:15:00', '15:20:00', '15:30:00'),
  });

  let accepted = 0;
  function expectWellFormedOutcome(run: () => StrategySpec, c: StrategyValidationContext) {
    let spec: StrategySpec;
    try {
      spec = run();
      accepted++;
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect(Object.keys((e as ValidationError).fields ?? {}).length).toBeGreaterThan(0);
      return;
    }
    expect(spec.buyTime < spec.sellTime).toBe(true);
    expect(spec.quantity).toBeGreaterThanOrEqual(1);
    expect(spec.quantity).toBeLessThanOrEqual(c.maxQuantity);
    expect(Number.isSafeInteger(spec.stopLossPaise) && spec.stopLossPaise > 0).toBe(true);
    if (c.instrument) expect(spec.stopLossPaise % c.instrument.tickSizePaise).toBe(0);
    if (c.calendarMode === 'exchange') expect(spec.sellTime <= c.cutoff && spec.buyTime >= '09:15:00').toBe(true);
  }

  it('create', () => {
    accepted = 0;
    fc.assert(
      fc.property(payload, contexts, (body, c) => {
        const parsed = CreateStrategyBody.safeParse(body);
        if (!parsed.success) {
          for (const issue of parsed.error.issues) {
            expect(issue.path.length).toBeGreaterThan(0);
            expect(issue.message.length).toBeGreaterThan(0);
          }
          return;
        }
        expectWellFormedOutcome(() => validateStrategy(parsed.data, c), c);
      }),
      { numRuns: 2000 },
    );
    // The generator must reach the success path, or the property proves little.
    expect(accepted).toBeGreaterThan(40);
  });

  it('update', () => {
    const current = validateStrategy(input, ctx);
    fc.assert(
      fc.property(payload, contexts, (body, c) => {
        const parsed = UpdateStrategyBody.safeParse(body);
        if (!parsed.success) {
          for (const issue of parsed.error.issues) expect(issue.path.length).toBeGreaterThan(0);
          return;
        }
        expectWellFormedOutcome(() => validateStrategyUpdate(current, parsed.data, c), c);
      }),
      { numRuns: 2000 },
    );
  });

  it('the domain validator alone survives raw junk', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...Object.keys(input), 'repeat', 'exchange', 'name'), junk), contexts, (raw, c) => {
        expectWellFormedOutcome(() => validateStrategy(raw as unknown as StrategyInput, c), c);
      }),
      { numRuns: 1000 },
    );
  });
});
