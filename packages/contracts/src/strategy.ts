import { z } from 'zod';

/**
 * The strategy API. JSON is snake_case; prices are rupee numbers (the server keeps integer paise).
 *
 * These schemas check shape only: types, formats, required fields. Rules that need configuration
 * or the instrument (buy before sell, session and cutoff, tick size, per-user maximum quantity,
 * unknown symbol) are checked by the server's domain validator and come back as the same
 * `{ error: { code: 'VALIDATION_FAILED', fields } }` body. The mobile app uses these schemas for
 * its forms, so every message is written for a trader.
 */

export const StrategyStatus = z.enum(['CREATED', 'RUNNING', 'STOPPED', 'COMPLETED', 'FAILED']);
export type StrategyStatus = z.infer<typeof StrategyStatus>;

export const RunPhase = z.enum([
  'WAITING_BUY',
  'BUYING',
  'BOUGHT',
  'SELLING',
  'EXITED_BY_SELL_TIME',
  'EXITED_BY_STOP_LOSS',
  'EXITED_BY_USER_STOP',
  'EXITED_BY_SQUARE_OFF',
  'SKIPPED',
  'FAILED',
]);
export type RunPhase = z.infer<typeof RunPhase>;

/** Phases a run never leaves: the day's outcome. The server's state table agrees (tested). */
export const TERMINAL_RUN_PHASES: ReadonlySet<RunPhase> = new Set<RunPhase>(
  RunPhase.exclude(['WAITING_BUY', 'BUYING', 'BOUGHT', 'SELLING']).options,
);

export const Repeat = z.enum(['once', 'daily'], { error: 'Repeat must be "once" or "daily"' });
export type Repeat = z.infer<typeof Repeat>;

export const Exchange = z.enum(['NSE', 'BSE'], { error: 'Exchange must be NSE or BSE' });
export type Exchange = z.infer<typeof Exchange>;

/** Same pattern as the server's exchange-time parser. */
export const HMS_PATTERN = /^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$/;

/** Upper bound on a rupee price; far above any listed share, low enough to stay exact in paise. */
export const MAX_PRICE_RUPEES = 10_000_000;

const missing = (iss: { input?: unknown }) => iss.input === undefined || iss.input === null;

function exchangeTime(label: string) {
  return z
    .string({ error: (iss) => (missing(iss) ? `${label} is required` : `${label} must be text like 09:20:00`) })
    .regex(HMS_PATTERN, `${label} must be in HH:MM:SS format, e.g. 09:20:00`);
}

const hasAtMostTwoDecimals = (v: number) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6;

const StopLoss = z
  .number({ error: (iss) => (missing(iss) ? 'Stop-loss is mandatory' : 'Stop-loss must be a price in rupees') })
  .positive('Stop-loss must be greater than 0')
  .max(MAX_PRICE_RUPEES, 'Stop-loss is too high')
  .refine(hasAtMostTwoDecimals, 'Stop-loss can have at most 2 decimal places (paise)');

const Quantity = z
  .number({
    error: (iss) => (missing(iss) ? 'Quantity is required' : 'Quantity must be a whole number of at least 1'),
  })
  .int('Quantity must be a whole number of at least 1')
  .min(1, 'Quantity must be a whole number of at least 1')
  // The per-user maximum is config and is checked by the server; this only keeps the number sane.
  .max(1_000_000_000, 'Quantity is too large');

const SymbolText = z
  .string({ error: (iss) => (missing(iss) ? 'Symbol is required' : 'Symbol must be text, e.g. INFY') })
  .trim()
  .min(1, 'Symbol is required')
  .transform((s) => s.toUpperCase())
  .pipe(z.string().regex(/^[A-Z0-9][A-Z0-9&._-]{0,29}$/, 'Enter a valid symbol, e.g. INFY'));

const BrokerId = z.uuid({
  error: (iss) => (missing(iss) ? 'Choose a broker account' : 'Broker account id is not valid'),
});

const Name = z
  .string({ error: 'Name must be text' })
  .trim()
  .max(100, 'Name can be at most 100 characters')
  .transform((s) => (s === '' ? null : s))
  .nullable();

const strategyFields = {
  name: Name.optional(),
  broker_id: BrokerId,
  exchange: Exchange,
  symbol: SymbolText,
  buy_time: exchangeTime('Buy time'),
  sell_time: exchangeTime('Sell time'),
  stop_loss: StopLoss,
  quantity: Quantity,
  repeat: Repeat,
};

/** `POST /strategy/create`. `exchange` defaults to NSE, `repeat` to once. */
export const CreateStrategyBody = z.object({
  ...strategyFields,
  exchange: Exchange.default('NSE'),
  repeat: Repeat.default('once'),
});
export type CreateStrategyBody = z.infer<typeof CreateStrategyBody>;
export type CreateStrategyInput = z.input<typeof CreateStrategyBody>;

/**
 * `PUT /strategy/{id}`: any subset of the create fields; absent fields keep their value. While a
 * strategy is RUNNING only times, stop-loss and quantity may change, and only before the position
 * is entered (stop-loss also while in position); anything else is 409 STRATEGY_RUNNING.
 */
export const UpdateStrategyBody = z.object(strategyFields).partial();
export type UpdateStrategyBody = z.infer<typeof UpdateStrategyBody>;

const Timestamp = z.iso.datetime({ offset: true });

export const Strategy = z.object({
  id: z.uuid(),
  name: z.string().nullable(),
  broker_id: z.uuid(),
  exchange: Exchange,
  symbol: z.string(),
  buy_time: z.string().regex(HMS_PATTERN),
  sell_time: z.string().regex(HMS_PATTERN),
  stop_loss: z.number(),
  quantity: z.number().int(),
  repeat: Repeat,
  status: StrategyStatus,
  /** Why the strategy is FAILED (or why today's run was skipped); null otherwise. */
  reason: z.string().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Strategy = z.infer<typeof Strategy>;

/**
 * Pagination is by opaque cursor, not offset: lists are newest first, and a cursor stays correct
 * while strategies are being created. Pass `next_cursor` back as `cursor`; null means the end.
 */
export const PageQuery = z.object({
  limit: z.coerce
    .number({ error: 'Limit must be a number' })
    .int('Limit must be a whole number')
    .min(1, 'Limit must be at least 1')
    .max(100, 'Limit can be at most 100')
    .default(20),
  cursor: z.string().min(1).max(200).optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

/** `GET /strategy/list?status=RUNNING&limit=20&cursor=...` */
export const StrategyListQuery = PageQuery.extend({
  status: z
    .enum(StrategyStatus.options, { error: 'Status must be one of CREATED, RUNNING, STOPPED, COMPLETED, FAILED' })
    .optional(),
});
export type StrategyListQuery = z.infer<typeof StrategyListQuery>;

export const StrategyList = z.object({
  items: z.array(Strategy),
  next_cursor: z.string().nullable(),
});
export type StrategyList = z.infer<typeof StrategyList>;

/** `GET /strategy/{id}/status`. Prices in rupees; null until known. */
export const StrategyStatusResponse = z.object({
  status: StrategyStatus,
  /** Phase of the current (or last) run; null when the strategy has never been armed. */
  phase: RunPhase.nullable(),
  /** The cause of the last transition, e.g. BUY_FILLED or STOP_LOSS_HIT. */
  last_action: z.string().nullable(),
  last_price: z.number().nullable(),
  entry_price: z.number().nullable(),
  exit_price: z.number().nullable(),
  pnl: z.number().nullable(),
  /** When the engine will act next (buy time, sell time); null when nothing is scheduled. */
  next_action_at: Timestamp.nullable(),
  reason: z.string().nullable(),
  updated_at: Timestamp,
});
export type StrategyStatusResponse = z.infer<typeof StrategyStatusResponse>;

/** One appended entry of `strategy_events`: a strategy status change or a run phase transition. */
export const StrategyEvent = z.object({
  id: z.string(),
  strategy_id: z.uuid(),
  /** Null for strategy-level events (created, started, stopped). */
  run_id: z.string().nullable(),
  trading_date: z.string().nullable(),
  scope: z.enum(['strategy', 'run']),
  ts: Timestamp,
  from: z.union([StrategyStatus, RunPhase]).nullable(),
  to: z.union([StrategyStatus, RunPhase]),
  cause: z.string(),
  details: z.record(z.string(), z.unknown()),
});
export type StrategyEvent = z.infer<typeof StrategyEvent>;

export const StrategyEventList = z.object({
  items: z.array(StrategyEvent),
  next_cursor: z.string().nullable(),
});
export type StrategyEventList = z.infer<typeof StrategyEventList>;

export const OrderLeg = z.enum(['ENTRY', 'EXIT']);
export const OrderSide = z.enum(['BUY', 'SELL']);
export const OrderStatus = z.enum(['PENDING', 'FILLED', 'CANCELLED', 'REJECTED']);

export const StrategyOrder = z.object({
  id: z.string(),
  run_id: z.string(),
  trading_date: z.string(),
  leg: OrderLeg,
  side: OrderSide,
  attempt: z.number().int(),
  /** Our deterministic client order id, sent to the broker as the order tag. */
  client_order_id: z.string(),
  broker_order_id: z.string().nullable(),
  quantity: z.number().int(),
  filled_quantity: z.number().int(),
  average_price: z.number().nullable(),
  status: OrderStatus,
  reason: z.string(),
  message: z.string().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type StrategyOrder = z.infer<typeof StrategyOrder>;

export const StrategyOrderList = z.object({
  items: z.array(StrategyOrder),
  next_cursor: z.string().nullable(),
});
export type StrategyOrderList = z.infer<typeof StrategyOrderList>;
