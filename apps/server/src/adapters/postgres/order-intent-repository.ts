import { sql, type Selectable } from 'kysely';
import type { InstrumentId } from '../../domain/instrument';
import type { OrderLeg, OrderStatus, Side } from '../../domain/order';
import type { Paise } from '../../domain/price';
import type { NewOrderIntent, OrderIntentRecord, OrderIntentStore, OrderOutcome, Page, PageRequest } from '../../ports/strategy-store';
import { isUuid } from './broker-account-repository';
import type { Db } from './database';
import type { Database } from './schema';
import { distinctRounds } from './distinct-rounds';
import { unnestRows } from './unnest-rows';
import { decodeTimeCursor, encodeTimeCursor, pageOf } from './strategy-repository';

type Row = Selectable<Database['order_intents']> & { trading_date: string };

const INSERT_CHUNK = 1_000;

const INTENT_COLUMNS = [
  ['id', 'uuid'],
  ['run_id', 'uuid'],
  ['strategy_id', 'uuid'],
  ['user_id', 'uuid'],
  ['leg', 'text'],
  ['attempt', 'int'],
  ['client_order_id', 'text'],
  ['side', 'text'],
  ['instrument', 'text'],
  ['quantity', 'int'],
  ['reason', 'text'],
  ['status', 'text'],
  ['filled_quantity', 'int'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
] as const;

const OUTCOME_COLUMNS = [
  ['tag', 'text'],
  ['at', 'timestamptz'],
  ['has_status', 'boolean'],
  ['status', 'text'],
  ['has_broker_order_id', 'boolean'],
  ['broker_order_id', 'text'],
  ['has_filled', 'boolean'],
  ['filled', 'int'],
  ['has_avg', 'boolean'],
  ['avg', 'bigint'],
  ['has_message', 'boolean'],
  ['message', 'text'],
] as const;

const SENT_COLUMNS = [
  ['tag', 'text'],
  ['at', 'timestamptz'],
] as const;

export class OrderIntentRepository implements OrderIntentStore {
  constructor(private readonly db: Db) {}

  async insert(i: NewOrderIntent, at: number): Promise<{ created: boolean; intent: OrderIntentRecord }> {
    const created = await this.insertMany([i], at);
    const existing = await this.select()
      .where((eb) =>
        eb.or([
          eb('o.client_order_id', '=', i.clientOrderId),
          eb.and([eb('o.run_id', '=', i.runId), eb('o.leg', '=', i.leg), eb('o.attempt', '=', i.attempt)]),
        ]),
      )
      .orderBy('o.created_at')
      .executeTakeFirstOrThrow();
    return { created: created.has(i.clientOrderId), intent: toRecord(existing) };
  }

  async insertMany(list: readonly NewOrderIntent[], at: number): Promise<Set<string>> {
    const written = new Set<string>();
    const ts = new Date(at);
    for (let from = 0; from < list.length; from += INSERT_CHUNK) {
      const rows = unnestRows(
        'i',
        INTENT_COLUMNS,
        list.slice(from, from + INSERT_CHUNK).map((i) => ({
          id: i.id,
          run_id: i.runId,
          strategy_id: i.strategyId,
          user_id: i.userId,
          leg: i.leg,
          attempt: i.attempt,
          client_order_id: i.clientOrderId,
          side: i.side,
          instrument: i.instrument,
          quantity: i.quantity,
          reason: i.reason,
          status: 'PENDING',
          filled_quantity: 0,
          created_at: ts,
          updated_at: ts,
        })),
      );
      const names = sql.join(INTENT_COLUMNS.map(([n]) => sql.ref(n)));
      // ON CONFLICT DO NOTHING (no target) covers both unique keys: the attempt and the client order id.
      const res = await sql<{ client_order_id: string }>`insert into order_intents (${names}) select * from ${rows} on conflict do nothing returning client_order_id`.execute(this.db);
      for (const r of res.rows) written.add(r.client_order_id);
    }
    return written;
  }

  async recordOutcome(clientOrderId: string, o: OrderOutcome, at: number): Promise<OrderIntentRecord | null> {
    // One statement: the update returns the row joined with its run's trading date.
    const row = await this.db
      .updateTable('order_intents as o')
      .from('strategy_runs as r')
      .set({
        ...(o.status !== undefined && { status: o.status }),
        ...(o.brokerOrderId !== undefined && { broker_order_id: o.brokerOrderId }),
        ...(o.filledQuantity !== undefined && { filled_quantity: o.filledQuantity }),
        ...(o.averagePricePaise !== undefined && { average_price_paise: o.averagePricePaise }),
        ...(o.message !== undefined && { message: o.message }),
        updated_at: new Date(at),
      })
      .whereRef('r.id', '=', 'o.run_id')
      .where('o.client_order_id', '=', clientOrderId)
      .returningAll('o')
      .returning('r.trading_date')
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async recordOutcomes(list: ReadonlyArray<{ clientOrderId: string; outcome: OrderOutcome; at: number }>): Promise<boolean[]> {
    const found = list.map(() => false);
    for (const round of distinctRounds(list, (x) => x.clientOrderId)) {
      for (let from = 0; from < round.length; from += INSERT_CHUNK) {
        const part = round.slice(from, from + INSERT_CHUNK);
        // A field left undefined is left alone and a null is written, as in recordOutcome: each
        // nullable field travels with a flag saying whether it was given.
        const rows = unnestRows(
          'v',
          OUTCOME_COLUMNS,
          part.map(({ item: { clientOrderId, outcome: o, at } }) => ({
            tag: clientOrderId,
            at: new Date(at),
            has_status: o.status !== undefined,
            status: o.status,
            has_broker_order_id: o.brokerOrderId !== undefined,
            broker_order_id: o.brokerOrderId,
            has_filled: o.filledQuantity !== undefined,
            filled: o.filledQuantity,
            has_avg: o.averagePricePaise !== undefined,
            avg: o.averagePricePaise,
            has_message: o.message !== undefined,
            message: o.message,
          })),
        );
        const { rows: done } = await sql<{ client_order_id: string }>`
          update order_intents o set
            status = case when v.has_status then v.status else o.status end,
            broker_order_id = case when v.has_broker_order_id then v.broker_order_id else o.broker_order_id end,
            filled_quantity = case when v.has_filled then v.filled else o.filled_quantity end,
            average_price_paise = case when v.has_avg then v.avg else o.average_price_paise end,
            message = case when v.has_message then v.message else o.message end,
            updated_at = v.at
          from ${rows}
          where o.client_order_id = v.tag
          returning o.client_order_id`.execute(this.db);
        const updated = new Set(done.map((r) => r.client_order_id));
        for (const p of part) found[p.index] = updated.has(p.item.clientOrderId);
      }
    }
    return found;
  }

  async forRun(runId: string): Promise<OrderIntentRecord[]> {
    if (!isUuid(runId)) return [];
    const rows = await this.select().where('o.run_id', '=', runId).orderBy('o.created_at').orderBy('o.leg').orderBy('o.attempt').execute();
    return rows.map(toRecord);
  }

  async markSent(clientOrderId: string, at: number): Promise<void> {
    await this.markSentMany([{ clientOrderId, at }]);
  }

  async markSentMany(marks: ReadonlyArray<{ clientOrderId: string; at: number }>): Promise<void> {
    // One row per tag, its earliest mark: an update joined to two rows of one tag takes either.
    const earliest = new Map<string, number>();
    for (const m of marks) earliest.set(m.clientOrderId, Math.min(m.at, earliest.get(m.clientOrderId) ?? m.at));
    const list = [...earliest].map(([tag, at]) => ({ tag, at: new Date(at) }));
    for (let from = 0; from < list.length; from += INSERT_CHUNK) {
      const rows = unnestRows('v', SENT_COLUMNS, list.slice(from, from + INSERT_CHUNK));
      // The earliest mark stands: an order is sent once; a later mark of the same tag is a replay,
      // or an order found at the broker after a crash lost the mark of its send.
      await sql`update order_intents o set sent_at = v.at from ${rows} where o.client_order_id = v.tag and (o.sent_at is null or o.sent_at > v.at)`.execute(this.db);
    }
  }

  async listForStrategy(userId: string, strategyId: string, page: PageRequest): Promise<Page<OrderIntentRecord>> {
    if (!isUuid(strategyId)) return { items: [], nextCursor: null };
    let query = this.select()
      .where('o.strategy_id', '=', strategyId)
      .where('o.user_id', '=', userId)
      .where('o.sent_at', 'is not', null)
      .orderBy('o.created_at', 'desc')
      .orderBy('o.id', 'desc')
      .limit(page.limit + 1);
    if (page.cursor !== undefined) {
      const c = decodeTimeCursor(page.cursor);
      query = query.where((eb) => eb(eb.refTuple('o.created_at', 'o.id'), '<', eb.tuple(new Date(c.ts), c.id)));
    }
    const rows = await query.execute();
    return pageOf(rows.map(toRecord), page.limit, (r) => encodeTimeCursor(r.createdAt, r.id));
  }

  private select() {
    return this.db
      .selectFrom('order_intents as o')
      .innerJoin('strategy_runs as r', 'r.id', 'o.run_id')
      .selectAll('o')
      .select('r.trading_date');
  }
}

function toRecord(r: Row): OrderIntentRecord {
  return {
    id: r.id,
    clientOrderId: r.client_order_id,
    runId: r.run_id,
    strategyId: r.strategy_id,
    userId: r.user_id,
    tradingDate: r.trading_date,
    leg: r.leg as OrderLeg,
    attempt: r.attempt,
    side: r.side as Side,
    instrument: r.instrument as InstrumentId,
    quantity: r.quantity,
    reason: r.reason,
    status: r.status as OrderStatus,
    brokerOrderId: r.broker_order_id,
    filledQuantity: r.filled_quantity,
    averagePricePaise: r.average_price_paise === null ? null : (Number(r.average_price_paise) as Paise),
    message: r.message,
    createdAt: new Date(r.created_at).getTime(),
    updatedAt: new Date(r.updated_at).getTime(),
    sentAt: r.sent_at ? new Date(r.sent_at).getTime() : null,
  };
}
