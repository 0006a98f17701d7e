import { sql, type Kysely } from 'kysely';

/**
 * When the order actually left for the broker. Entry intents are now written ahead of the buy
 * time; one that was never sent (the run was skipped first) is history, not an order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('order_intents').addColumn('sent_at', 'timestamptz').execute();
  // Everything written before this migration was written at send time.
  await sql`update order_intents set sent_at = created_at`.execute(db);
}
