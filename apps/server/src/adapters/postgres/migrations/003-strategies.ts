import { sql, type Kysely } from 'kysely';

// Kept in sync with domain/run-state-machine.ts TERMINAL_PHASES; the partial index below only holds
// runs the engine still has to act on, so its scan stays small however long the history grows.
const OPEN_RUN = sql<boolean>`phase in ('WAITING_BUY', 'BUYING', 'BOUGHT', 'SELLING')`;

// Trading dates are text, not `date`: node-postgres turns a `date` into a local-midnight JS Date,
// which shifts the day on any server not running in UTC.
const TRADING_DATE = sql`~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('strategies')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('broker_account_id', 'uuid', (c) => c.notNull().references('broker_accounts.id'))
    .addColumn('name', 'text')
    .addColumn('exchange', 'text', (c) => c.notNull())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('buy_time', 'text', (c) => c.notNull())
    .addColumn('sell_time', 'text', (c) => c.notNull())
    .addColumn('stop_loss_paise', 'bigint', (c) => c.notNull().check(sql`stop_loss_paise > 0`))
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
    .addColumn('repeat', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('deleted_at', 'timestamptz')
    .execute();
  // The list is newest first with a (created_at, id) keyset cursor, per user, live rows only.
  await db.schema
    .createIndex('strategies_user_list')
    .on('strategies')
    .columns(['user_id', 'created_at desc', 'id desc'])
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();

  await db.schema
    .createTable('strategy_runs')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('strategy_id', 'uuid', (c) => c.notNull().references('strategies.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('broker_account_id', 'uuid', (c) => c.notNull())
    .addColumn('instrument', 'text', (c) => c.notNull())
    .addColumn('trading_date', 'text', (c) => c.notNull().check(sql`trading_date ${TRADING_DATE}`))
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('stop_loss_paise', 'bigint', (c) => c.notNull())
    .addColumn('buy_at', 'timestamptz', (c) => c.notNull())
    .addColumn('sell_at', 'timestamptz', (c) => c.notNull())
    .addColumn('square_off_at', 'timestamptz', (c) => c.notNull())
    .addColumn('position_quantity', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('entry_price_paise', 'bigint')
    .addColumn('entry_broker_order_id', 'text')
    .addColumn('exit_cause', 'text')
    .addColumn('exit_decided_at', 'timestamptz')
    .addColumn('exit_attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('exit_broker_order_id', 'text')
    .addColumn('sold_quantity', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sold_value_paise', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('exit_price_paise', 'bigint')
    .addColumn('pnl_paise', 'bigint')
    .addColumn('last_price_paise', 'bigint')
    .addColumn('reason_code', 'text')
    .addColumn('reason', 'text')
    .addColumn('last_action', 'text')
    .addColumn('next_action_at', 'timestamptz')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('strategy_runs_one_per_day', ['strategy_id', 'trading_date'])
    .execute();
  await db.schema
    .createIndex('strategy_runs_open_due')
    .on('strategy_runs')
    .columns(['next_action_at', 'id'])
    .where(OPEN_RUN)
    .execute();

  await db.schema
    .createTable('strategy_events')
    // An identity gives the append order, which timestamps from a virtual or skewed clock cannot.
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('strategy_id', 'uuid', (c) => c.notNull().references('strategies.id').onDelete('cascade'))
    .addColumn('run_id', 'uuid', (c) => c.references('strategy_runs.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('trading_date', 'text')
    .addColumn('ts', 'timestamptz', (c) => c.notNull())
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('cause', 'text', (c) => c.notNull())
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('strategy_events_by_strategy').on('strategy_events').columns(['strategy_id', 'id desc']).execute();

  await db.schema
    .createTable('order_intents')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('strategy_runs.id').onDelete('cascade'))
    .addColumn('strategy_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('leg', 'text', (c) => c.notNull().check(sql`leg in ('ENTRY', 'EXIT')`))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('client_order_id', 'text', (c) => c.notNull().unique())
    .addColumn('side', 'text', (c) => c.notNull())
    .addColumn('instrument', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('broker_order_id', 'text')
    .addColumn('filled_quantity', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('average_price_paise', 'bigint')
    .addColumn('message', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('order_intents_one_per_attempt', ['run_id', 'leg', 'attempt'])
    .execute();
  await db.schema.createIndex('order_intents_by_strategy').on('order_intents').columns(['strategy_id', 'created_at desc', 'id desc']).execute();
}
