import fc from 'fast-check';
import { TERMINAL_RUN_PHASES } from '@ats/contracts';
import { describe, expect, it } from 'vitest';
import { DomainError } from './errors';
import { paise, type Paise } from './price';
import {
  armRun,
  IllegalTransitionError,
  RUN_EVENT_TYPES,
  RUN_PHASES,
  RUN_TRANSITIONS,
  transition,
  type Run,
  type RunEvent,
  type RunEventType,
  type RunPhase,
  TERMINAL_PHASES,
} from './run-state-machine';

const T0 = Date.parse('2026-03-04T03:45:00Z'); // 09:15 IST
const STOP = paise(10_000); // ₹100.00
const QTY = 10;

function armed(): Run {
  return armRun(
    {
      id: 'run-1',
      strategyId: 'strategy-1',
      tradingDate: '2026-03-04',
      quantity: QTY,
      stopLossPaise: STOP,
      buyAt: T0 + 5 * 60_000,
      sellAt: T0 + 60 * 60_000,
      squareOffAt: T0 + 6 * 3600_000,
    },
    T0,
  ).run;
}

const apply = (run: Run, ...events: RunEvent[]) => events.reduce((r, e, i) => transition(r, e, T0 + 1000 * (i + 1)).run, run);

const fills = (price: number, qty = QTY) => ({ filledQuantity: qty, averagePricePaise: paise(price) });

/** A representative run in each phase, reached through the machine where the phase is live. */
function runIn(phase: RunPhase): Run {
  const waiting = armed();
  const buying = apply(waiting, { type: 'BUY_DUE', lastPricePaise: paise(10_100) });
  const bought = apply(buying, { type: 'BUY_FILLED', ...fills(10_100) });
  const selling = apply(bought, { type: 'SELL_TIME_DUE', lastPricePaise: paise(10_200) });
  switch (phase) {
    case 'WAITING_BUY':
      return waiting;
    case 'BUYING':
      return buying;
    case 'BOUGHT':
      return bought;
    case 'SELLING':
      return selling;
    default:
      return { ...selling, phase };
  }
}

const SAMPLE: { [T in RunEventType]: Extract<RunEvent, { type: T }> } = {
  BUY_DUE: { type: 'BUY_DUE', lastPricePaise: paise(10_100) },
  BUY_SENT: { type: 'BUY_SENT', brokerOrderId: 'B-1' },
  BUY_FILLED: { type: 'BUY_FILLED', ...fills(10_100) },
  BUY_REJECTED: { type: 'BUY_REJECTED', code: 'BROKER_REJECTED', message: 'Insufficient margin' },
  ENTRY_SKIPPED: { type: 'ENTRY_SKIPPED', reason: 'BROKER_TOKEN_EXPIRED' },
  ENTRY_FAILED: { type: 'ENTRY_FAILED', reason: 'Order status unknown' },
  PLAN_CHANGED: { type: 'PLAN_CHANGED', changes: { stopLossPaise: paise(9_900) } },
  STOP_LOSS_HIT: { type: 'STOP_LOSS_HIT', lastPricePaise: paise(9_995) },
  SELL_TIME_DUE: { type: 'SELL_TIME_DUE', lastPricePaise: paise(10_200) },
  SQUARE_OFF_DUE: { type: 'SQUARE_OFF_DUE', lastPricePaise: paise(10_200) },
  USER_STOP: { type: 'USER_STOP' },
  SELL_SENT: { type: 'SELL_SENT', brokerOrderId: 'S-1' },
  SELL_FILLED: { type: 'SELL_FILLED', ...fills(10_200) },
  SELL_REJECTED: { type: 'SELL_REJECTED', code: 'BROKER_REJECTED', message: 'RMS' },
  EXIT_FAILED: { type: 'EXIT_FAILED', reason: 'Broker unreachable' },
};

type Expect = RunPhase | 'illegal';
const ALL_ILLEGAL = Object.fromEntries(RUN_EVENT_TYPES.map((t) => [t, 'illegal'])) as Record<RunEventType, Expect>;

/** The table written out by hand, independently of the implementation. */
const EXPECTED: Record<RunPhase, Record<RunEventType, Expect>> = {
  WAITING_BUY: {
    ...ALL_ILLEGAL,
    BUY_DUE: 'BUYING',
    ENTRY_SKIPPED: 'SKIPPED',
    ENTRY_FAILED: 'FAILED',
    PLAN_CHANGED: 'WAITING_BUY',
    SELL_TIME_DUE: 'SKIPPED',
    SQUARE_OFF_DUE: 'SKIPPED',
    USER_STOP: 'SKIPPED',
  },
  BUYING: {
    ...ALL_ILLEGAL,
    BUY_SENT: 'BUYING',
    BUY_FILLED: 'BOUGHT',
    BUY_REJECTED: 'FAILED',
    ENTRY_SKIPPED: 'SKIPPED',
    ENTRY_FAILED: 'FAILED',
    SELL_TIME_DUE: 'BUYING',
    SQUARE_OFF_DUE: 'BUYING',
    USER_STOP: 'BUYING',
  },
  BOUGHT: {
    ...ALL_ILLEGAL,
    PLAN_CHANGED: 'BOUGHT',
    STOP_LOSS_HIT: 'SELLING',
    SELL_TIME_DUE: 'SELLING',
    SQUARE_OFF_DUE: 'SELLING',
    USER_STOP: 'SELLING',
  },
  SELLING: {
    ...ALL_ILLEGAL,
    STOP_LOSS_HIT: 'SELLING',
    SELL_TIME_DUE: 'SELLING',
    SQUARE_OFF_DUE: 'SELLING',
    USER_STOP: 'SELLING',
    SELL_SENT: 'SELLING',
    SELL_FILLED: 'EXITED_BY_SELL_TIME',
    SELL_REJECTED: 'SELLING',
    EXIT_FAILED: 'FAILED',
  },
  EXITED_BY_SELL_TIME: ALL_ILLEGAL,
  EXITED_BY_STOP_LOSS: ALL_ILLEGAL,
  EXITED_BY_USER_STOP: ALL_ILLEGAL,
  EXITED_BY_SQUARE_OFF: ALL_ILLEGAL,
  SKIPPED: ALL_ILLEGAL,
  FAILED: ALL_ILLEGAL,
};

function expectIllegal(fn: () => unknown) {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(IllegalTransitionError);
  expect(caught).toBeInstanceOf(DomainError);
  expect((caught as DomainError).code).toBe('ILLEGAL_TRANSITION');
  expect((caught as DomainError).kind).toBe('conflict');
}

describe('the transition table, exhaustively', () => {
  it('has a cell for every phase × event', () => {
    expect(Object.keys(RUN_TRANSITIONS).sort()).toEqual([...RUN_PHASES].sort());
    for (const phase of RUN_PHASES) {
      expect(Object.keys(RUN_TRANSITIONS[phase]).sort()).toEqual([...RUN_EVENT_TYPES].sort());
    }
  });

  const cells = RUN_PHASES.flatMap((phase) => RUN_EVENT_TYPES.map((type) => [phase, type] as const));
  it('covers 10 phases × 15 events', () => expect(cells).toHaveLength(150));

  it.each(cells)('%s + %s', (phase, type) => {
    const run = runIn(phase);
    const rule = RUN_TRANSITIONS[phase][type];
    const expected = EXPECTED[phase][type];
    const ts = run.updatedAt + 10_000;
    if (expected === 'illegal') {
      expect(rule).toBeNull();
      expectIllegal(() => transition(run, SAMPLE[type], ts));
      return;
    }
    expect(rule).not.toBeNull();
    const { run: next, event } = transition(run, SAMPLE[type], ts);
    expect(next.phase).toBe(expected);
    expect(rule!.targets).toContain(expected);
    expect(event).toMatchObject({ ts, from: phase, to: expected, cause: type });
    expect(next.updatedAt).toBe(ts);
  });

  it('terminal phases accept nothing', () => {
    for (const phase of RUN_PHASES.filter((p) => p.startsWith('EXITED') || p === 'SKIPPED' || p === 'FAILED')) {
      for (const type of RUN_EVENT_TYPES) expect(RUN_TRANSITIONS[phase][type]).toBeNull();
    }
  });
});

describe('arming', () => {
  it('starts WAITING_BUY with an event from nothing', () => {
    const { run, event } = armRun(
      { id: 'r', strategyId: 's', tradingDate: '2026-03-04', quantity: 1, stopLossPaise: STOP, buyAt: 1, sellAt: 2, squareOffAt: 3 },
      0,
    );
    expect(run.phase).toBe('WAITING_BUY');
    expect(event).toMatchObject({ ts: 0, from: null, to: 'WAITING_BUY', cause: 'ARMED' });
  });

  it('refuses a plan whose times are out of order', () => {
    expect(() =>
      armRun({ id: 'r', strategyId: 's', tradingDate: '2026-03-04', quantity: 1, stopLossPaise: STOP, buyAt: 2, sellAt: 2, squareOffAt: 3 }, 0),
    ).toThrow(RangeError);
  });
});

describe('entry', () => {
  it('skips when the price is already at the stop-loss at buy time', () => {
    const { run, event } = transition(armed(), { type: 'BUY_DUE', lastPricePaise: STOP }, T0);
    expect(run.phase).toBe('SKIPPED');
    expect(run.reasonCode).toBe('PRICE_AT_OR_BELOW_STOP');
    expect(run.reason).toBe('Not bought: price ₹100.00 was at or below the stop-loss ₹100.00 at buy time');
    expect(event.details).toMatchObject({ reason_code: 'PRICE_AT_OR_BELOW_STOP' });
  });

  it('buys when no price is known yet', () => {
    expect(transition(armed(), { type: 'BUY_DUE', lastPricePaise: null }, T0).run.phase).toBe('BUYING');
  });

  it('never sends a second BUY', () => {
    expectIllegal(() => transition(runIn('BUYING'), SAMPLE.BUY_DUE, T0));
    expectIllegal(() => transition(runIn('BOUGHT'), SAMPLE.BUY_DUE, T0));
  });

  it('records the fill and holds the position', () => {
    const run = apply(runIn('BUYING'), { type: 'BUY_SENT', brokerOrderId: 'B-9' }, { type: 'BUY_FILLED', ...fills(10_150, 7) });
    expect(run).toMatchObject({ phase: 'BOUGHT', positionQuantity: 7, entryPricePaise: 10_150, entryBrokerOrderId: 'B-9' });
  });

  it('exits at once when the fill itself is at or below the stop-loss', () => {
    const run = apply(runIn('BUYING'), { type: 'BUY_FILLED', ...fills(9_990) });
    expect(run).toMatchObject({ phase: 'SELLING', exitCause: 'STOP_LOSS', positionQuantity: QTY });
  });

  it('rejects an impossible fill', () => {
    expectIllegal(() => transition(runIn('BUYING'), { type: 'BUY_FILLED', ...fills(10_100, QTY + 1) }, T0));
    expectIllegal(() => transition(runIn('BUYING'), { type: 'BUY_FILLED', ...fills(10_100, 0) }, T0));
    expectIllegal(() => transition(runIn('BUYING'), { type: 'BUY_FILLED', ...fills(0) }, T0));
  });

  it('skips the day when the broker token expired', () => {
    const run = apply(runIn('BUYING'), { type: 'BUY_REJECTED', code: 'BROKER_TOKEN_EXPIRED', message: 'Token expired' });
    expect(run).toMatchObject({ phase: 'SKIPPED', reasonCode: 'BROKER_TOKEN_EXPIRED' });
  });

  it('fails with the broker message on any other rejection', () => {
    const run = apply(runIn('BUYING'), SAMPLE.BUY_REJECTED);
    expect(run).toMatchObject({ phase: 'FAILED', reasonCode: 'BROKER_REJECTED', reason: 'Buy order rejected by the broker: Insufficient margin' });
  });

  it('keeps a partial fill as a position when the rest is rejected', () => {
    const run = apply(runIn('BUYING'), { type: 'BUY_REJECTED', code: 'BROKER_REJECTED', message: 'cancelled', ...fills(10_100, 4) });
    expect(run).toMatchObject({ phase: 'BOUGHT', positionQuantity: 4, entryPricePaise: 10_100 });
  });

  it('refuses a partial-fill rejection without a price', () => {
    expectIllegal(() => transition(runIn('BUYING'), { type: 'BUY_REJECTED', code: 'X', message: 'x', filledQuantity: 4 }, T0));
  });

  it('ends without trading when the user stops before the buy', () => {
    const run = apply(armed(), { type: 'USER_STOP' });
    expect(run).toMatchObject({ phase: 'SKIPPED', reasonCode: 'USER_STOPPED', positionQuantity: 0 });
  });

  it('skips a run whose buy window was missed', () => {
    expect(apply(armed(), SAMPLE.SELL_TIME_DUE)).toMatchObject({ phase: 'SKIPPED', reasonCode: 'MISSED_WINDOW' });
    expect(apply(armed(), SAMPLE.SQUARE_OFF_DUE)).toMatchObject({ phase: 'SKIPPED', reasonCode: 'MISSED_WINDOW' });
  });

  it('uses the engine’s own skip reasons and messages', () => {
    const run = apply(armed(), { type: 'ENTRY_SKIPPED', reason: 'MARKET_CLOSED' });
    expect(run).toMatchObject({ phase: 'SKIPPED', reasonCode: 'MARKET_CLOSED', reason: 'Not bought: the market was closed' });
  });
});

describe('exits', () => {
  it('user stop during the BUY sells as soon as the BUY fills, labelled user stop', () => {
    const run = apply(runIn('BUYING'), { type: 'USER_STOP' }, SAMPLE.BUY_FILLED);
    expect(run).toMatchObject({ phase: 'SELLING', exitCause: 'USER_STOP' });
    expect(apply(run, SAMPLE.SELL_FILLED).phase).toBe('EXITED_BY_USER_STOP');
  });

  it('user stop during an unfilled BUY that is then rejected trades nothing', () => {
    const run = apply(runIn('BUYING'), { type: 'USER_STOP' }, SAMPLE.BUY_REJECTED);
    expect(run.phase).toBe('FAILED');
    expect(run.positionQuantity).toBe(0);
  });

  it('keeps the strongest pending exit while buying', () => {
    expect(apply(runIn('BUYING'), SAMPLE.SELL_TIME_DUE, SAMPLE.USER_STOP).exitCause).toBe('USER_STOP');
    expect(apply(runIn('BUYING'), SAMPLE.USER_STOP, SAMPLE.SELL_TIME_DUE).exitCause).toBe('USER_STOP');
    expect(apply(runIn('BUYING'), { type: 'SELL_TIME_DUE', lastPricePaise: paise(9_000) }).exitCause).toBe('STOP_LOSS');
  });

  it('user stop while in position sells, never leaves the position', () => {
    const run = apply(runIn('BOUGHT'), { type: 'USER_STOP' });
    expect(run).toMatchObject({ phase: 'SELLING', exitCause: 'USER_STOP', positionQuantity: QTY });
  });

  it.each([
    ['STOP_LOSS_HIT', 'EXITED_BY_STOP_LOSS'],
    ['SELL_TIME_DUE', 'EXITED_BY_SELL_TIME'],
    ['SQUARE_OFF_DUE', 'EXITED_BY_SQUARE_OFF'],
    ['USER_STOP', 'EXITED_BY_USER_STOP'],
  ] as const)('remembers the cause: %s then SELL_FILLED lands in %s', (trigger, end) => {
    const run = apply(runIn('BOUGHT'), SAMPLE[trigger], SAMPLE.SELL_SENT, SAMPLE.SELL_FILLED);
    expect(run.phase).toBe(end);
  });

  it('stop-loss beats sell time when the price is already at the stop', () => {
    const run = apply(runIn('BOUGHT'), { type: 'SELL_TIME_DUE', lastPricePaise: paise(9_950) });
    expect(run.exitCause).toBe('STOP_LOSS');
  });

  it('stop-loss beats sell time when both arrive in the same millisecond', () => {
    const ts = T0 + 99_000;
    const selling = transition(runIn('BOUGHT'), SAMPLE.SELL_TIME_DUE, ts).run;
    const same = transition(selling, SAMPLE.STOP_LOSS_HIT, ts).run;
    expect(same.exitCause).toBe('STOP_LOSS');
    const later = transition(selling, SAMPLE.STOP_LOSS_HIT, ts + 1).run;
    expect(later.exitCause).toBe('SELL_TIME');
  });

  it('absorbs repeated triggers while selling without a new attempt', () => {
    const selling = runIn('SELLING');
    const { run, event } = transition(selling, SAMPLE.USER_STOP, selling.updatedAt + 5);
    expect(run).toMatchObject({ phase: 'SELLING', exitCause: 'SELL_TIME', exitAttempt: selling.exitAttempt });
    expect(event.details).toMatchObject({ absorbed: true, trigger: 'USER_STOP' });
  });

  it('refuses a stop-loss trigger above the stop (stale tick)', () => {
    expectIllegal(() => transition(runIn('BOUGHT'), { type: 'STOP_LOSS_HIT', lastPricePaise: paise(10_001) }, T0));
  });

  it('never sells when not bought', () => {
    for (const phase of ['WAITING_BUY', 'BUYING'] as const) {
      expectIllegal(() => transition(runIn(phase), SAMPLE.STOP_LOSS_HIT, T0));
      expectIllegal(() => transition(runIn(phase), SAMPLE.SELL_SENT, T0));
      expectIllegal(() => transition(runIn(phase), SAMPLE.SELL_FILLED, T0));
    }
  });

  it('retries after a rejected SELL and prices the exit across attempts', () => {
    const run = apply(
      runIn('SELLING'),
      { type: 'SELL_SENT', brokerOrderId: 'S-1' },
      { type: 'SELL_REJECTED', code: 'BROKER_REJECTED', message: 'partial', ...fills(10_200, 4) },
      { type: 'SELL_SENT', brokerOrderId: 'S-2' },
      { type: 'SELL_FILLED', ...fills(10_300, 6) },
    );
    // entry 101.00 × 10; exit 4 × 102.00 + 6 × 103.00 = 1026.00 → avg 102.60; pnl ₹16.00
    expect(run).toMatchObject({ phase: 'EXITED_BY_SELL_TIME', exitAttempt: 2, exitPricePaise: 10_260, pnlPaise: 1_600 });
  });

  it('refuses a SELL_FILLED that does not close the position', () => {
    expectIllegal(() => transition(runIn('SELLING'), { type: 'SELL_FILLED', ...fills(10_200, QTY - 1) }, T0));
    expectIllegal(() => transition(runIn('SELLING'), { type: 'SELL_REJECTED', code: 'X', message: 'x', ...fills(10_200, QTY) }, T0));
  });

  it('fails loudly when the exit is given up, naming the open quantity', () => {
    const run = apply(runIn('SELLING'), SAMPLE.EXIT_FAILED);
    expect(run.phase).toBe('FAILED');
    expect(run.reason).toBe('Could not sell: Broker unreachable. 10 shares may still be open at your broker.');
  });

  it('computes a loss at the stop', () => {
    const run = apply(runIn('BOUGHT'), SAMPLE.STOP_LOSS_HIT, { type: 'SELL_FILLED', ...fills(9_990) });
    expect(run).toMatchObject({ phase: 'EXITED_BY_STOP_LOSS', exitPricePaise: 9_990, pnlPaise: -1_100 });
  });
});

describe('plan changes', () => {
  it('moves the stop while in position', () => {
    expect(apply(runIn('BOUGHT'), SAMPLE.PLAN_CHANGED).stopLossPaise).toBe(9_900);
  });

  it('allows only the stop-loss to change in position', () => {
    expectIllegal(() => transition(runIn('BOUGHT'), { type: 'PLAN_CHANGED', changes: { quantity: 5 } }, T0));
  });

  it('changes times and quantity before the buy, keeping their order', () => {
    const run = armed();
    expect(apply(run, { type: 'PLAN_CHANGED', changes: { quantity: 3, buyAt: run.buyAt + 1 } })).toMatchObject({ quantity: 3, buyAt: run.buyAt + 1 });
    expectIllegal(() => transition(run, { type: 'PLAN_CHANGED', changes: { buyAt: run.sellAt } }, T0));
    expectIllegal(() => transition(run, { type: 'PLAN_CHANGED', changes: { sellAt: run.squareOffAt + 1 } }, T0));
    expectIllegal(() => transition(run, { type: 'PLAN_CHANGED', changes: { stopLossPaise: 0 as Paise } }, T0));
  });
});

describe('the whole day', () => {
  it('logs every transition in order', () => {
    const { run: start, event: armedEvent } = armRun(
      { id: 'r', strategyId: 's', tradingDate: '2026-03-04', quantity: 2, stopLossPaise: STOP, buyAt: T0, sellAt: T0 + 1, squareOffAt: T0 + 2 },
      T0 - 1,
    );
    const events = [armedEvent];
    let run = start;
    for (const e of [
      { type: 'BUY_DUE', lastPricePaise: paise(10_500) },
      { type: 'BUY_SENT', brokerOrderId: 'B' },
      { type: 'BUY_FILLED', filledQuantity: 2, averagePricePaise: paise(10_500) },
      { type: 'SELL_TIME_DUE' },
      { type: 'SELL_SENT', brokerOrderId: 'S' },
      { type: 'SELL_FILLED', filledQuantity: 2, averagePricePaise: paise(10_600) },
    ] satisfies RunEvent[]) {
      const r = transition(run, e, T0 + events.length);
      events.push(r.event);
      run = r.run;
    }
    expect(events.map((e) => `${e.from ?? '-'}>${e.to}`)).toEqual([
      '->WAITING_BUY',
      'WAITING_BUY>BUYING',
      'BUYING>BUYING',
      'BUYING>BOUGHT',
      'BOUGHT>SELLING',
      'SELLING>SELLING',
      'SELLING>EXITED_BY_SELL_TIME',
    ]);
    expect(run.pnlPaise).toBe(200);
  });

  it('does not mutate the run it is given', () => {
    const run = runIn('BOUGHT');
    const copy = structuredClone(run);
    transition(run, SAMPLE.USER_STOP, T0);
    expect(run).toEqual(copy);
  });
});

describe('random event sequences (property)', () => {
  const priceArb = fc.integer({ min: 9_000, max: 11_000 }).map((n) => paise(n));
  const qtyArb = fc.integer({ min: 0, max: QTY + 1 });
  const eventArb: fc.Arbitrary<RunEvent> = fc.oneof(
    priceArb.map((p) => ({ type: 'BUY_DUE', lastPricePaise: p }) as const),
    fc.constant({ type: 'BUY_SENT', brokerOrderId: 'B' } as const),
    fc.tuple(qtyArb, priceArb).map(([q, p]) => ({ type: 'BUY_FILLED', filledQuantity: q, averagePricePaise: p }) as const),
    fc.tuple(fc.constantFrom('BROKER_REJECTED', 'BROKER_TOKEN_EXPIRED'), qtyArb, priceArb).map(
      ([code, q, p]) => ({ type: 'BUY_REJECTED', code, message: 'm', filledQuantity: q, averagePricePaise: p }) as const,
    ),
    fc.constant({ type: 'ENTRY_SKIPPED', reason: 'MISSED_WINDOW' } as const),
    fc.constant({ type: 'ENTRY_FAILED', reason: 'r' } as const),
    priceArb.map((p) => ({ type: 'PLAN_CHANGED', changes: { stopLossPaise: p } }) as const),
    priceArb.map((p) => ({ type: 'STOP_LOSS_HIT', lastPricePaise: p }) as const),
    priceArb.map((p) => ({ type: 'SELL_TIME_DUE', lastPricePaise: p }) as const),
    fc.constant({ type: 'SQUARE_OFF_DUE' } as const),
    fc.constant({ type: 'USER_STOP' } as const),
    fc.constant({ type: 'SELL_SENT', brokerOrderId: 'S' } as const),
    fc.tuple(qtyArb, priceArb).map(([q, p]) => ({ type: 'SELL_FILLED', filledQuantity: q, averagePricePaise: p }) as const),
    fc.tuple(qtyArb, priceArb).map(([q, p]) => ({ type: 'SELL_REJECTED', code: 'X', message: 'm', filledQuantity: q, averagePricePaise: p }) as const),
    fc.constant({ type: 'EXIT_FAILED', reason: 'r' } as const),
  );

  it('only ever moves legally or throws ILLEGAL_TRANSITION, and never loses a position', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 30 }), (events) => {
        let run = armed();
        let buys = 0;
        events.forEach((e, i) => {
          try {
            const r = transition(run, e, T0 + i);
            if (r.run.phase === 'BUYING' && run.phase !== 'BUYING') buys++;
            run = r.run;
          } catch (err) {
            if (!(err instanceof IllegalTransitionError)) throw err;
          }
          if (run.phase === 'BOUGHT' || run.phase === 'SELLING') expect(run.positionQuantity).toBeGreaterThan(0);
          if (run.phase.startsWith('EXITED')) expect(run.soldQuantity).toBe(run.positionQuantity);
          if (run.phase === 'SELLING') expect(run.exitCause).not.toBeNull();
          expect(run.soldQuantity).toBeLessThanOrEqual(run.positionQuantity);
        });
        expect(buys).toBeLessThanOrEqual(1);
      }),
      { numRuns: 500 },
    );
  });
});

describe('terminal phases shared with the app', () => {
  it('are exactly the phases the state table never leaves', () => {
    expect([...TERMINAL_RUN_PHASES].sort()).toEqual([...TERMINAL_PHASES].sort());
  });
});
