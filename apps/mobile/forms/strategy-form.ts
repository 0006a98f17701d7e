import { CreateStrategyBody, HMS_PATTERN, type Instrument, type Strategy, type UpdateStrategyBody } from '@ats/contracts';
import { fieldErrorsOf, type FieldErrors, type Validated } from './field-errors';

/** Exactly what the trader typed; kept as text so nothing is lost or reformatted on an error. */
export interface StrategyFormValues {
  name: string;
  broker_id: string;
  exchange: 'NSE' | 'BSE';
  symbol: string;
  buy_time: string;
  sell_time: string;
  stop_loss: string;
  quantity: string;
  repeat: 'once' | 'daily';
}

/** NSE cash session and the broker square-off cutoff, as the server defaults them. */
export interface SessionLimits {
  open: string;
  close: string;
  cutoff: string;
}

export const NSE_SESSION: SessionLimits = { open: '09:15:00', close: '15:30:00', cutoff: '15:15:00' };

export const emptyStrategyForm: StrategyFormValues = {
  name: '',
  broker_id: '',
  exchange: 'NSE',
  symbol: '',
  buy_time: '09:20:00',
  sell_time: '15:10:00',
  stop_loss: '',
  quantity: '1',
  repeat: 'once',
};

export function formFromStrategy(s: Strategy): StrategyFormValues {
  return {
    name: s.name ?? '',
    broker_id: s.broker_id,
    exchange: s.exchange,
    symbol: s.symbol,
    buy_time: s.buy_time,
    sell_time: s.sell_time,
    stop_loss: String(s.stop_loss),
    quantity: String(s.quantity),
    repeat: s.repeat,
  };
}

export function secondsOfDay(hms: string): number | null {
  const m = HMS_PATTERN.exec(hms);
  if (!m) return null;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

export function formatHms(seconds: number): string {
  const s = ((Math.round(seconds) % 86_400) + 86_400) % 86_400;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** Moves a time by `deltaSeconds`, staying inside [min, max] when limits apply; used by the steppers. */
export function stepTime(hms: string, deltaSeconds: number, limits: { min: string; max: string } | null): string {
  const current = secondsOfDay(hms) ?? secondsOfDay(limits?.min ?? '09:15:00') ?? 0;
  let next = current + deltaSeconds;
  if (limits) {
    const min = secondsOfDay(limits.min) ?? 0;
    const max = secondsOfDay(limits.max) ?? 86_399;
    next = Math.min(max, Math.max(min, next));
  }
  return formatHms(next);
}

/** Accepts "9:20", "0920", "09:20:5" and friends, returning HH:MM:SS, or the input unchanged if hopeless. */
export function normalizeTimeInput(text: string): string {
  const t = text.trim();
  const parts = t.includes(':') ? t.split(':') : t.length === 4 || t.length === 6 ? (t.match(/.{2}/g) ?? []) : [t];
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^\d{1,2}$/.test(p))) return t;
  const [h = 0, m = 0, sec = 0] = parts.map(Number);
  if (h > 23 || m > 59 || sec > 59) return t;
  return formatHms(h * 3600 + m * 60 + sec);
}

function toNumberOrRaw(text: string): unknown {
  const t = text.trim().replace(/,/g, '');
  if (t === '') return undefined; // lets the schema say "is mandatory" rather than "must be a number"
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

function rupees(paise: number): string {
  return (paise / 100).toFixed(2);
}

/**
 * Checks the form with the shared schema and then the rules the server's domain validator adds
 * (buy before sell, market hours and cutoff, tick size, lot size), worded the same way.
 * `session` is null when the server runs an always-open calendar (demo).
 */
export function validateStrategyForm(
  values: StrategyFormValues,
  opts: { session: SessionLimits | null; instrument: Pick<Instrument, 'tick_size' | 'lot_size'> | null },
): Validated<CreateStrategyBody> {
  const candidate = {
    name: values.name,
    broker_id: values.broker_id || undefined,
    exchange: values.exchange,
    symbol: values.symbol,
    buy_time: values.buy_time.trim(),
    sell_time: values.sell_time.trim(),
    stop_loss: toNumberOrRaw(values.stop_loss),
    quantity: toNumberOrRaw(values.quantity),
    repeat: values.repeat,
  };
  const parsed = CreateStrategyBody.safeParse(candidate);
  const fields: FieldErrors = parsed.success ? {} : fieldErrorsOf(parsed.error);

  const buy = secondsOfDay(candidate.buy_time);
  const sell = secondsOfDay(candidate.sell_time);
  if (buy !== null && sell !== null) {
    if (opts.session) {
      const open = secondsOfDay(opts.session.open) ?? 0;
      const close = secondsOfDay(opts.session.close) ?? 86_399;
      const cutoff = secondsOfDay(opts.session.cutoff) ?? close;
      const hours = `${opts.session.open} to ${opts.session.close}`;
      if (buy < open || buy > close) fields.buy_time ??= `Buy time must be within market hours, ${hours}`;
      if (sell < open || sell > close) fields.sell_time ??= `Sell time must be within market hours, ${hours}`;
      else if (sell > cutoff) fields.sell_time ??= `Sell time must be no later than the square-off cutoff ${opts.session.cutoff}`;
    }
    if (buy >= sell) fields.sell_time ??= 'Sell time must be after buy time';
  }

  if (opts.instrument && typeof candidate.stop_loss === 'number' && !fields.stop_loss) {
    const tickPaise = Math.round(opts.instrument.tick_size * 100);
    const slPaise = Math.round(candidate.stop_loss * 100);
    if (tickPaise > 0 && slPaise % tickPaise !== 0) fields.stop_loss = `Stop-loss must be a multiple of the tick size ₹${rupees(tickPaise)}`;
  }
  if (opts.instrument && opts.instrument.lot_size > 1 && typeof candidate.quantity === 'number' && !fields.quantity) {
    if (candidate.quantity % opts.instrument.lot_size !== 0) fields.quantity = `Quantity must be a multiple of the lot size ${opts.instrument.lot_size}`;
  }

  if (parsed.success && Object.keys(fields).length === 0) return { ok: true, value: parsed.data };
  return { ok: false, fields };
}

/** Only the fields that changed, so an edit while RUNNING sends nothing the server would refuse. */
export function updateBodyFor(original: Strategy, body: CreateStrategyBody): UpdateStrategyBody {
  const patch: UpdateStrategyBody = {};
  if ((body.name ?? null) !== original.name) patch.name = body.name ?? null;
  if (body.broker_id !== original.broker_id) patch.broker_id = body.broker_id;
  if (body.exchange !== original.exchange) patch.exchange = body.exchange;
  if (body.symbol !== original.symbol) patch.symbol = body.symbol;
  if (body.buy_time !== original.buy_time) patch.buy_time = body.buy_time;
  if (body.sell_time !== original.sell_time) patch.sell_time = body.sell_time;
  if (body.stop_loss !== original.stop_loss) patch.stop_loss = body.stop_loss;
  if (body.quantity !== original.quantity) patch.quantity = body.quantity;
  if (body.repeat !== original.repeat) patch.repeat = body.repeat;
  return patch;
}

/** "Tick ₹0.05": shown beside the stop-loss so the trader types a price the exchange accepts. */
export function tickHint(instrument: Pick<Instrument, 'tick_size'> | null): string {
  if (!instrument) return 'Pick a symbol to see its tick size';
  return `Must be a multiple of the tick size ₹${instrument.tick_size.toFixed(2)}`;
}
