import { sql } from 'kysely';
import type { Db } from './database';

/**
 * Is the broker account still needed? A RUNNING strategy uses it, and so does any run not yet
 * finished (a stopped strategy whose position is still being sold).
 */
export async function strategyUsesBroker(db: Db, userId: string, accountId: string): Promise<boolean> {
  const r = await sql<{ n: number }>`
    select (
      (select count(*) from strategies
        where user_id = ${userId} and broker_account_id = ${accountId} and status = 'RUNNING' and deleted_at is null)
      +
      (select count(*) from strategy_runs
        where user_id = ${userId} and broker_account_id = ${accountId}
          and phase in ('WAITING_BUY', 'BUYING', 'BOUGHT', 'SELLING'))
    )::int as n`.execute(db);
  return (r.rows[0]?.n ?? 0) > 0;
}
