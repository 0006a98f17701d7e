import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** int8: both drivers are set to return numbers; paise values stay far inside the safe range */
type Int8 = ColumnType<number, number, number>;
type NullableInt8 = ColumnType<number | null, number | null | undefined, number | null>;

/** The database schema as Kysely sees it. Migrations are the source of truth; this mirrors them. */
export interface Database {
  users: {
    id: string;
    email: string;
    name: string;
    password_hash: string;
    created_at: Timestamp;
  };
  refresh_tokens: {
    id: string;
    user_id: string;
    family_id: string;
    token_hash: string;
    expires_at: Timestamp;
    created_at: Timestamp;
    /** set when rotated or logged out; a second use of a revoked token revokes its family */
    revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
    replaced_by: string | null;
  };
  broker_accounts: {
    id: string;
    user_id: string;
    broker: string;
    label: string;
    status: string;
    status_message: string | null;
    /** AES-256-GCM sealed JSON of credentials + session; see security/credential-vault.ts */
    sealed_secret: string;
    key_version: number;
    token_expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
    last_checked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
    account_ref: string | null;
    created_at: Timestamp;
    updated_at: Timestamp;
    deleted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  };
  strategies: {
    id: string;
    user_id: string;
    broker_account_id: string;
    name: string | null;
    exchange: string;
    symbol: string;
    /** exchange-local HH:MM:SS */
    buy_time: string;
    sell_time: string;
    stop_loss_paise: Int8;
    quantity: number;
    repeat: string;
    status: string;
    reason: string | null;
    /** compare-and-set: every write is `WHERE version = expected` and bumps it */
    version: number;
    created_at: Timestamp;
    updated_at: Timestamp;
    deleted_at: NullableTimestamp;
  };
  strategy_runs: {
    id: string;
    strategy_id: string;
    user_id: string;
    broker_account_id: string;
    /** `EXCHANGE:SYMBOL`, copied when armed so later strategy edits never move an open run */
    instrument: string;
    /** `YYYY-MM-DD`, exchange-local */
    trading_date: string;
    phase: string;
    quantity: number;
    stop_loss_paise: Int8;
    buy_at: Timestamp;
    sell_at: Timestamp;
    square_off_at: Timestamp;
    position_quantity: number;
    entry_price_paise: NullableInt8;
    entry_broker_order_id: string | null;
    exit_cause: string | null;
    exit_decided_at: NullableTimestamp;
    exit_attempt: number;
    exit_broker_order_id: string | null;
    sold_quantity: number;
    sold_value_paise: Int8;
    exit_price_paise: NullableInt8;
    pnl_paise: NullableInt8;
    last_price_paise: NullableInt8;
    reason_code: string | null;
    reason: string | null;
    /** cause of the last transition, e.g. BUY_FILLED */
    last_action: string | null;
    next_action_at: NullableTimestamp;
    version: number;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  /** append-only */
  strategy_events: {
    /** identity (int8); both drivers return it as a number */
    id: Generated<number>;
    strategy_id: string;
    run_id: string | null;
    user_id: string;
    /** 'strategy' (status change) or 'run' (phase change) */
    scope: string;
    trading_date: string | null;
    ts: Timestamp;
    from_state: string | null;
    to_state: string;
    cause: string;
    details: ColumnType<Record<string, unknown>, string, string>;
  };
  order_intents: {
    id: string;
    run_id: string;
    strategy_id: string;
    user_id: string;
    leg: string;
    attempt: number;
    client_order_id: string;
    side: string;
    instrument: string;
    quantity: number;
    reason: string;
    status: string;
    broker_order_id: string | null;
    filled_quantity: number;
    average_price_paise: NullableInt8;
    message: string | null;
    created_at: Timestamp;
    updated_at: Timestamp;
    sent_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  };
}
