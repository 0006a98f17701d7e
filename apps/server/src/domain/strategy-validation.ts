import { ValidationError } from './errors';
import { formatHms, parseHms } from './exchange-time';
import { EXCHANGES, type Exchange } from './instrument';
import { formatRupees, rupeesToPaise, type Paise } from './price';
import { REPEATS, type Repeat, type StrategySpec } from './strategy';
import type { CalendarMode, SessionHours } from './trading-calendar';

/**
 * The strategy as the trader sent it, in API vocabulary (snake_case, rupees), usually already
 * shape-checked by the contracts schema. The validator still checks types itself, because it is
 * the last gate before the database and must answer every input with either a spec or field errors.
 */
export interface StrategyInput {
  name?: string | null;
  broker_id: string;
  exchange?: Exchange;
  symbol: string;
  buy_time: string;
  sell_time: string;
  stop_loss: number;
  quantity: number;
  repeat?: Repeat;
}

export type StrategyPatchInput = Partial<StrategyInput>;

export interface StrategyValidationContext {
  /** The instrument for (exchange, symbol) from the instrument master, or null when unknown. */
  instrument: { tickSizePaise: Paise | number; lotSize: number } | null;
  maxQuantity: number;
  calendarMode: CalendarMode;
  session: SessionHours;
  cutoff: string;
}

/** Matches the contracts schema bound; keeps paise well inside the safe-integer range. */
const MAX_PRICE_RUPEES = 10_000_000;
const NAME_MAX = 100;

type Fields = Record<string, string>;

const present = (v: unknown) => v !== undefined && v !== null;

function quantityText(n: number): string {
  return n.toLocaleString('en-IN');
}

function checkTime(fields: Fields, key: 'buy_time' | 'sell_time', label: string, value: unknown): number | null {
  if (!present(value) || value === '') {
    fields[key] = `${label} is required`;
    return null;
  }
  const seconds = typeof value === 'string' ? parseHms(value) : null;
  if (seconds === null) fields[key] = `${label} must be in HH:MM:SS format, e.g. 09:20:00`;
  return seconds;
}

function checkStopLoss(fields: Fields, value: unknown, tickSizePaise: number | null): Paise | null {
  if (!present(value)) {
    fields.stop_loss = 'Stop-loss is mandatory';
    return null;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fields.stop_loss = 'Stop-loss must be a price in rupees';
    return null;
  }
  if (value <= 0) {
    fields.stop_loss = 'Stop-loss must be greater than 0';
    return null;
  }
  if (value > MAX_PRICE_RUPEES) {
    fields.stop_loss = 'Stop-loss is too high';
    return null;
  }
  const p = rupeesToPaise(value);
  // rupeesToPaise rounds; a value it had to round had sub-paise digits the trader did not mean.
  if (Math.abs(value * 100 - p) > 1e-6) {
    fields.stop_loss = 'Stop-loss can have at most 2 decimal places (paise)';
    return null;
  }
  if (p <= 0) {
    fields.stop_loss = 'Stop-loss must be greater than 0';
    return null;
  }
  if (tickSizePaise !== null && tickSizePaise > 0 && p % tickSizePaise !== 0) {
    fields.stop_loss = `Stop-loss must be a multiple of the tick size ₹${formatRupees(tickSizePaise)}`;
    return null;
  }
  return p;
}

function checkQuantity(fields: Fields, value: unknown, ctx: StrategyValidationContext): number | null {
  if (!present(value)) {
    fields.quantity = 'Quantity is required';
    return null;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    fields.quantity = 'Quantity must be a whole number of at least 1';
    return null;
  }
  if (value > ctx.maxQuantity) {
    fields.quantity = `Quantity can be at most ${quantityText(ctx.maxQuantity)}`;
    return null;
  }
  const lot = ctx.instrument?.lotSize ?? 1;
  if (lot > 1 && value % lot !== 0) {
    fields.quantity = `Quantity must be a multiple of the lot size ${quantityText(lot)}`;
    return null;
  }
  return value;
}

/** Session and cutoff rules; only called once both times parsed. */
function checkTimeRules(fields: Fields, buy: number, sell: number, ctx: StrategyValidationContext): void {
  if (ctx.calendarMode !== 'always-open') {
    const open = parseHms(ctx.session.open);
    const close = parseHms(ctx.session.close);
    const cutoff = parseHms(ctx.cutoff);
    if (open === null || close === null || cutoff === null) {
      throw new RangeError('validation context has an invalid session or cutoff');
    }
    const hours = `${formatHms(open)} to ${formatHms(close)}`;
    if (buy < open || buy > close) fields.buy_time = `Buy time must be within market hours, ${hours}`;
    if (sell < open || sell > close) fields.sell_time = `Sell time must be within market hours, ${hours}`;
    else if (sell > cutoff) {
      fields.sell_time = `Sell time must be no later than the square-off cutoff ${formatHms(cutoff)}`;
    }
  }
  if (buy >= sell && fields.sell_time === undefined) fields.sell_time = 'Sell time must be after buy time';
}

/**
 * Check a whole strategy against the rules that need config and the instrument. Returns the
 * domain spec (paise, upper-case symbol, defaults applied) or throws ValidationError whose
 * `fields` are keyed by API field name and worded for the trader.
 */
export function validateStrategy(input: StrategyInput, ctx: StrategyValidationContext): StrategySpec {
  const fields: Fields = {};
  const raw = input as unknown as Record<string, unknown>;

  let name: string | null = null;
  if (present(raw.name)) {
    if (typeof raw.name !== 'string') fields.name = 'Name must be text';
    else if (raw.name.trim().length > NAME_MAX) fields.name = `Name can be at most ${NAME_MAX} characters`;
    else name = raw.name.trim() || null;
  }

  const brokerId = typeof raw.broker_id === 'string' ? raw.broker_id.trim() : '';
  if (brokerId === '') fields.broker_id = 'Choose a broker account';

  const exchange = (raw.exchange ?? 'NSE') as Exchange;
  if (!EXCHANGES.includes(exchange)) fields.exchange = 'Exchange must be NSE or BSE';

  const symbol = typeof raw.symbol === 'string' ? raw.symbol.trim().toUpperCase() : '';
  if (symbol === '') fields.symbol = 'Symbol is required';
  else if (ctx.instrument === null && fields.exchange === undefined) {
    fields.symbol = `Unknown symbol ${symbol} on ${exchange}`;
  }

  const repeat = (raw.repeat ?? 'once') as Repeat;
  if (!REPEATS.includes(repeat)) fields.repeat = 'Repeat must be "once" or "daily"';

  const buy = checkTime(fields, 'buy_time', 'Buy time', raw.buy_time);
  const sell = checkTime(fields, 'sell_time', 'Sell time', raw.sell_time);
  if (buy !== null && sell !== null) checkTimeRules(fields, buy, sell, ctx);

  const tick = ctx.instrument ? Number(ctx.instrument.tickSizePaise) : null;
  const stopLossPaise = checkStopLoss(fields, raw.stop_loss, tick);
  const quantity = checkQuantity(fields, raw.quantity, ctx);

  if (Object.keys(fields).length > 0) throw new ValidationError(fields);
  return {
    name,
    brokerId,
    exchange,
    symbol,
    buyTime: raw.buy_time as string,
    sellTime: raw.sell_time as string,
    stopLossPaise: stopLossPaise!,
    quantity: quantity!,
    repeat,
  };
}

/** The spec back in API vocabulary, so an update can be validated as a whole strategy. */
export function toStrategyInput(spec: StrategySpec): StrategyInput {
  return {
    name: spec.name,
    broker_id: spec.brokerId,
    exchange: spec.exchange,
    symbol: spec.symbol,
    buy_time: spec.buyTime,
    sell_time: spec.sellTime,
    stop_loss: Number(formatRupees(spec.stopLossPaise)),
    quantity: spec.quantity,
    repeat: spec.repeat,
  };
}

/**
 * Apply a partial update to `current` and validate the result as a whole, so cross-field rules
 * (buy before sell) hold after any subset of changes. Absent (undefined) fields keep their value.
 */
export function validateStrategyUpdate(
  current: StrategySpec,
  patch: StrategyPatchInput,
  ctx: StrategyValidationContext,
): StrategySpec {
  const merged: Record<string, unknown> = { ...toStrategyInput(current) };
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) merged[key] = value;
  return validateStrategy(merged as unknown as StrategyInput, ctx);
}
