import { RunPhase, StrategyStatus, TERMINAL_RUN_PHASES, type StrategyStatusResponse } from '@ats/contracts';

export type ConnectionState = 'idle' | 'connecting' | 'live' | 'reconnecting';

/** What the app knows right now about one strategy, merged from /ws pushes and /status polls. */
export interface LiveStrategy {
  status: StrategyStatus | null;
  phase: RunPhase | null;
  last_action: string | null;
  last_price: number | null;
  entry_price: number | null;
  exit_price: number | null;
  pnl: number | null;
  next_action_at: string | null;
  reason: string | null;
  /** epoch ms of the newest fact merged; older facts (a slow poll) never overwrite newer ones */
  as_of: number;
}

export interface LiveAlert {
  id: string;
  code: string;
  message: string;
  broker_id: string | null;
  strategy_id: string | null;
  at: number;
}

export interface LivePrice {
  ltp: number;
  at: number;
}

export interface LiveState {
  connection: ConnectionState;
  strategies: Record<string, LiveStrategy>;
  /** keyed by the server's instrument id, e.g. "NSE:INFY" */
  prices: Record<string, LivePrice>;
  alerts: LiveAlert[];
  /** bumped on every event that changes history, so screens refetch timelines and orders */
  revision: number;
}

export type LiveAction =
  | { type: 'connection'; state: ConnectionState }
  | { type: 'message'; message: unknown; receivedAt: number }
  | { type: 'polled'; strategyId: string; status: StrategyStatusResponse; receivedAt: number }
  | { type: 'dismiss_alert'; id: string }
  | { type: 'reset' };

export const initialLiveState: LiveState = { connection: 'idle', strategies: {}, prices: {}, alerts: [], revision: 0 };

const MAX_ALERTS = 20;

const PHASE_ORDER: (RunPhase | null)[] = [null, 'WAITING_BUY', 'BUYING', 'BOUGHT', 'SELLING'];
function phaseRank(p: RunPhase | null): number {
  const i = PHASE_ORDER.indexOf(p);
  return i === -1 ? PHASE_ORDER.length : i;
}

export const TERMINAL_PHASES = TERMINAL_RUN_PHASES;

const emptyStrategy: LiveStrategy = {
  status: null,
  phase: null,
  last_action: null,
  last_price: null,
  entry_price: null,
  exit_price: null,
  pnl: null,
  next_action_at: null,
  reason: null,
  as_of: 0,
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function timeOf<F extends number | null>(v: unknown, fallback: F): number | F {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  return fallback;
}

function phaseOf(v: unknown): RunPhase | null {
  const r = RunPhase.safeParse(v);
  return r.success ? r.data : null;
}

function statusOf(v: unknown): StrategyStatus | null {
  const r = StrategyStatus.safeParse(v);
  return r.success ? r.data : null;
}

/** Copies only the keys a message actually carries, so a partial push never blanks known values. */
function pick(source: Obj): Partial<LiveStrategy> {
  const out: Partial<LiveStrategy> = {};
  for (const key of ['last_price', 'entry_price', 'exit_price', 'pnl'] as const) {
    if (key in source && (source[key] === null || num(source[key]) !== null)) out[key] = source[key] as number | null;
  }
  for (const key of ['next_action_at', 'reason', 'last_action'] as const) {
    if (key in source && (source[key] === null || typeof source[key] === 'string')) out[key] = source[key] as string | null;
  }
  return out;
}

/**
 * `at` is the server's timestamp of the fact, or null when the message carried none; an untimed
 * fact is applied but does not move `as_of`, because the device clock is not comparable to the server's.
 */
function merge(state: LiveState, strategyId: string, patch: Partial<LiveStrategy>, at: number | null, historyChanged: boolean): LiveState {
  const prev = state.strategies[strategyId] ?? emptyStrategy;
  if (at !== null && at < prev.as_of) return historyChanged ? { ...state, revision: state.revision + 1 } : state;
  return {
    ...state,
    strategies: { ...state.strategies, [strategyId]: { ...prev, ...patch, as_of: at ?? prev.as_of } },
    revision: historyChanged ? state.revision + 1 : state.revision,
  };
}

function onMessage(state: LiveState, message: unknown, receivedAt: number): LiveState {
  if (!isObj(message) || typeof message.type !== 'string') return state;
  // Payloads may come flat or wrapped (`data`, or `alert` for alerts); all are read the same way.
  const wrapped = isObj(message.data) ? message.data : message.type === 'alert' && isObj(message.alert) ? message.alert : null;
  const body: Obj = wrapped ? { ...message, ...wrapped } : message;

  switch (message.type) {
    case 'run.phase': {
      const id = str(body.strategy_id);
      const phase = phaseOf(body.phase ?? body.to);
      if (!id || !phase) return state;
      const patch: Partial<LiveStrategy> = { ...pick(body), phase };
      // A finished run has nothing scheduled; the server's next plan arrives with the next status read.
      if (TERMINAL_PHASES.has(phase)) patch.next_action_at = null;
      const status = statusOf(body.status);
      if (status) patch.status = status;
      if (str(body.cause)) patch.last_action = str(body.cause);
      return merge(state, id, patch, timeOf(body.ts ?? body.updated_at, null), true);
    }
    case 'strategy.event': {
      const event: Obj = isObj(body.event) ? body.event : body;
      const id = str(event.strategy_id) ?? str(body.strategy_id);
      if (!id) return state;
      const patch: Partial<LiveStrategy> = {};
      const details = isObj(event.details) ? event.details : {};
      Object.assign(patch, pick(details));
      if (str(event.cause)) patch.last_action = str(event.cause);
      const asPhase = phaseOf(event.to);
      const asStatus = statusOf(event.to);
      if (event.scope === 'strategy' && asStatus) patch.status = asStatus;
      else if (asPhase) patch.phase = asPhase;
      else if (asStatus) patch.status = asStatus;
      return merge(state, id, patch, timeOf(event.ts, null), true);
    }
    case 'order.fill': {
      const id = str(body.strategy_id);
      if (!id) return state;
      const details: Obj = isObj(body.details) ? body.details : {};
      const paise = num(details.average_price_paise) ?? num(details.averagePricePaise);
      const price = num(body.average_price) ?? num(body.price) ?? num(details.average_price) ?? num(details.price) ?? (paise === null ? null : paise / 100);
      const patch: Partial<LiveStrategy> = {};
      if (price !== null && body.side === 'BUY') patch.entry_price = price;
      if (price !== null && body.side === 'SELL') patch.exit_price = price;
      return merge(state, id, patch, timeOf(body.ts, null), true);
    }
    case 'price': {
      const instrument = str(body.instrument);
      const ltp = num(body.ltp);
      if (!instrument || ltp === null) return state;
      const at = timeOf(body.ts, receivedAt);
      const prev = state.prices[instrument];
      if (prev && prev.at > at) return state;
      return { ...state, prices: { ...state.prices, [instrument]: { ltp, at } } };
    }
    case 'alert': {
      const code = str(body.code) ?? 'ALERT';
      const text = str(body.message);
      if (!text) return state;
      const brokerId = str(body.broker_id);
      const strategyId = str(body.strategy_id);
      // The same problem repeated (e.g. every retry of an exit) is one alert, refreshed.
      const id = [code, brokerId ?? '', strategyId ?? ''].join('|');
      const alert: LiveAlert = { id, code, message: text, broker_id: brokerId, strategy_id: strategyId, at: timeOf(body.ts, receivedAt) };
      return { ...state, alerts: [alert, ...state.alerts.filter((a) => a.id !== id)].slice(0, MAX_ALERTS) };
    }
    default:
      // Unknown types come from newer servers; ignoring them keeps old apps working.
      return state;
  }
}

export function liveReducer(state: LiveState, action: LiveAction): LiveState {
  switch (action.type) {
    case 'connection':
      return state.connection === action.state ? state : { ...state, connection: action.state };
    case 'message':
      return onMessage(state, action.message, action.receivedAt);
    case 'polled': {
      const s = action.status;
      const prev = state.strategies[action.strategyId];
      // Push and poll timestamps come from different writers and can disagree by a few ms, so
      // time alone decides only against a poll that would move the phase backwards.
      const polledAt = timeOf(s.updated_at, action.receivedAt);
      const regresses = prev !== undefined && phaseRank(s.phase) < phaseRank(prev.phase);
      const at = polledAt >= (prev?.as_of ?? 0) || regresses ? polledAt : null;
      const historyChanged = !prev || prev.phase !== s.phase || prev.status !== s.status;
      return merge(
        state,
        action.strategyId,
        {
          status: s.status,
          phase: s.phase,
          last_action: s.last_action,
          last_price: s.last_price,
          entry_price: s.entry_price,
          exit_price: s.exit_price,
          pnl: s.pnl,
          next_action_at: s.next_action_at,
          reason: s.reason,
        },
        at,
        historyChanged,
      );
    }
    case 'dismiss_alert':
      return { ...state, alerts: state.alerts.filter((a) => a.id !== action.id) };
    case 'reset':
      return initialLiveState;
  }
}

/** Distance from the last price down to the stop, in rupees and percent; null until both are known. */
export function distanceToStop(lastPrice: number | null, stopLoss: number): { rupees: number; percent: number } | null {
  if (lastPrice === null || lastPrice <= 0) return null;
  const rupees = Math.round((lastPrice - stopLoss) * 100) / 100;
  return { rupees, percent: Math.round((rupees / lastPrice) * 10_000) / 100 };
}
