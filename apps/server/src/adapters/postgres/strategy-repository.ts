import type { Selectable, Transaction, Updateable } from 'kysely';
import { ValidationError } from '../../domain/errors';
import type { Exchange } from '../../domain/instrument';
import type { Paise } from '../../domain/price';
import type { Repeat, StrategyStatus } from '../../domain/strategy';
import type {
  Page,
  PageRequest,
  StrategyEventInput,
  StrategyEventRecord,
  StrategyListQuery,
  StrategyRecord,
  StrategyStore,
  StrategyWrite,
  StrategyWriteResult,
} from '../../ports/strategy-store';
import { isUuid } from './broker-account-repository';
import type { Db } from './database';
import type { Database } from './schema';

type StrategyRow = Selectable<Database['strategies']>;
export type EventRow = Selectable<Database['strategy_events']>;
type Tx = Transaction<Database> | Db;

/** An event row before its owner columns are known to the writer. */
export type EventInsert = Omit<StrategyEventRecord, 'id'>;

export class StrategyRepository implements StrategyStore {
  constructor(private readonly db: Db) {}

  async insert(s: Omit<StrategyRecord, 'version' | 'deletedAt'>, event: StrategyEventInput): Promise<StrategyWriteResult> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('strategies')
        .values({
          id: s.id,
          user_id: s.userId,
          broker_account_id: s.brokerId,
          name: s.name,
          exchange: s.exchange,
          symbol: s.symbol,
          buy_time: s.buyTime,
          sell_time: s.sellTime,
          stop_loss_paise: s.stopLossPaise,
          quantity: s.quantity,
          repeat: s.repeat,
          status: s.status,
          reason: s.reason,
          version: 1,
          created_at: new Date(s.createdAt),
          updated_at: new Date(s.updatedAt),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const strategy = toStrategyRecord(row);
      const events = await insertEvents(trx, [strategyEvent(strategy, event)]);
      return { strategy, events };
    });
  }

  async get(userId: string, id: string): Promise<StrategyRecord | null> {
    if (!isUuid(id) || !isUuid(userId)) return null;
    const row = await this.db
      .selectFrom('strategies')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row ? toStrategyRecord(row) : null;
  }

  async byId(id: string): Promise<StrategyRecord | null> {
    if (!isUuid(id)) return null;
    const row = await this.db.selectFrom('strategies').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toStrategyRecord(row) : null;
  }

  async list(userId: string, q: StrategyListQuery): Promise<Page<StrategyRecord>> {
    let query = this.db
      .selectFrom('strategies')
      .selectAll()
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit + 1);
    if (q.status) query = query.where('status', '=', q.status);
    if (q.cursor !== undefined) {
      const c = decodeTimeCursor(q.cursor);
      query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(new Date(c.ts), c.id)));
    }
    const rows = await query.execute();
    return pageOf(rows.map(toStrategyRecord), q.limit, (s) => encodeTimeCursor(s.createdAt, s.id));
  }

  async write(userId: string, w: StrategyWrite, at: number): Promise<StrategyWriteResult | null> {
    if (!isUuid(w.id)) return null;
    return this.db.transaction().execute(async (trx) => {
      const strategy = await writeStrategy(trx, userId, w, at);
      if (!strategy) return null;
      const events = await insertEvents(
        trx,
        w.events.map((e) => strategyEvent(strategy, e)),
      );
      return { strategy, events };
    });
  }

  async events(userId: string, strategyId: string, page: PageRequest): Promise<Page<StrategyEventRecord>> {
    if (!isUuid(strategyId)) return { items: [], nextCursor: null };
    let query = this.db
      .selectFrom('strategy_events')
      .selectAll()
      .where('strategy_id', '=', strategyId)
      .where('user_id', '=', userId)
      .orderBy('id', 'desc')
      .limit(page.limit + 1);
    if (page.cursor !== undefined) query = query.where('id', '<', decodeSequenceCursor(page.cursor));
    const rows = await query.execute();
    return pageOf(rows.map(toEventRecord), page.limit, (e) => encodeCursor(e.id));
  }
}

/**
 * The compare-and-set every strategy change goes through, inside the caller's transaction so a
 * run write and its strategy change commit together. Null when the version moved on.
 */
export async function writeStrategy(trx: Tx, userId: string, w: StrategyWrite, at: number): Promise<StrategyRecord | null> {
  const p = w.patch;
  const set: Updateable<Database['strategies']> = {
    ...(p.name !== undefined && { name: p.name }),
    ...(p.brokerId !== undefined && { broker_account_id: p.brokerId }),
    ...(p.exchange !== undefined && { exchange: p.exchange }),
    ...(p.symbol !== undefined && { symbol: p.symbol }),
    ...(p.buyTime !== undefined && { buy_time: p.buyTime }),
    ...(p.sellTime !== undefined && { sell_time: p.sellTime }),
    ...(p.stopLossPaise !== undefined && { stop_loss_paise: p.stopLossPaise }),
    ...(p.quantity !== undefined && { quantity: p.quantity }),
    ...(p.repeat !== undefined && { repeat: p.repeat }),
    ...(p.status !== undefined && { status: p.status }),
    ...(p.reason !== undefined && { reason: p.reason }),
    ...(w.delete && { deleted_at: new Date(at) }),
    version: w.expectedVersion + 1,
    updated_at: new Date(at),
  };
  const row = await trx
    .updateTable('strategies')
    .set(set)
    .where('id', '=', w.id)
    .where('user_id', '=', userId)
    .where('version', '=', w.expectedVersion)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return row ? toStrategyRecord(row) : null;
}

export function strategyEvent(s: Pick<StrategyRecord, 'id' | 'userId'>, e: StrategyEventInput): EventInsert {
  return {
    strategyId: s.id,
    userId: s.userId,
    runId: null,
    tradingDate: null,
    scope: 'strategy',
    ts: e.ts,
    from: e.from,
    to: e.to,
    cause: e.cause,
    details: e.details ?? {},
  };
}

export async function insertEvents(trx: Tx, events: readonly EventInsert[]): Promise<StrategyEventRecord[]> {
  if (events.length === 0) return [];
  const rows = await trx
    .insertInto('strategy_events')
    .values(
      events.map((e) => ({
        strategy_id: e.strategyId,
        run_id: e.runId,
        user_id: e.userId,
        scope: e.scope,
        trading_date: e.tradingDate,
        ts: new Date(e.ts),
        from_state: e.from,
        to_state: e.to,
        cause: e.cause,
        details: JSON.stringify(e.details),
      })),
    )
    .returningAll()
    .execute();
  // A multi-row insert returns rows in VALUES order in PostgreSQL, but sort to be explicit.
  return rows.map(toEventRecord).sort((a, b) => Number(a.id) - Number(b.id));
}

export function toStrategyRecord(r: StrategyRow): StrategyRecord {
  return {
    id: r.id,
    userId: r.user_id,
    brokerId: r.broker_account_id,
    name: r.name,
    exchange: r.exchange as Exchange,
    symbol: r.symbol,
    buyTime: r.buy_time,
    sellTime: r.sell_time,
    stopLossPaise: Number(r.stop_loss_paise) as Paise,
    quantity: r.quantity,
    repeat: r.repeat as Repeat,
    status: r.status as StrategyStatus,
    reason: r.reason,
    version: r.version,
    createdAt: new Date(r.created_at).getTime(),
    updatedAt: new Date(r.updated_at).getTime(),
    deletedAt: r.deleted_at ? new Date(r.deleted_at).getTime() : null,
  };
}

export function toEventRecord(r: EventRow): StrategyEventRecord {
  return {
    id: String(r.id),
    strategyId: r.strategy_id,
    userId: r.user_id,
    runId: r.run_id,
    tradingDate: r.trading_date,
    scope: r.scope === 'run' ? 'run' : 'strategy',
    ts: new Date(r.ts).getTime(),
    from: r.from_state,
    to: r.to_state,
    cause: r.cause,
    details: r.details ?? {},
  };
}

// --- keyset cursors: opaque to clients, but a tampered one must be a 400, never a 500 -----------

const BAD_CURSOR = () => new ValidationError({ cursor: 'This page link has expired or is not valid; start from the first page' });

export function encodeCursor(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function decodeCursorText(cursor: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw BAD_CURSOR();
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

export function encodeTimeCursor(ts: number, id: string): string {
  return encodeCursor(`${ts}.${id}`);
}

export function decodeTimeCursor(cursor: string): { ts: number; id: string } {
  const m = /^(\d{1,15})\.([0-9a-f-]{36})$/i.exec(decodeCursorText(cursor));
  if (!m || !isUuid(m[2] as string)) throw BAD_CURSOR();
  return { ts: Number(m[1]), id: m[2] as string };
}

function decodeSequenceCursor(cursor: string): number {
  const text = decodeCursorText(cursor);
  if (!/^\d{1,15}$/.test(text)) throw BAD_CURSOR();
  return Number(text);
}

/** Rows were fetched with limit + 1: the extra one only says whether another page exists. */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (last: T) => string): Page<T> {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: cursorOf(items[items.length - 1] as T) };
}
