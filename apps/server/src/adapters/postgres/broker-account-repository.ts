import type { Selectable } from 'kysely';
import type { BrokerAccountRecord, BrokerAccountStatus, BrokerAccountStore } from '../../ports/store';
import type { Db } from './database';
import type { Database } from './schema';

type Row = Selectable<Database['broker_accounts']>;

export class BrokerAccountRepository implements BrokerAccountStore {
  constructor(private readonly db: Db) {}

  async insert(a: Omit<BrokerAccountRecord, 'createdAt' | 'updatedAt'>): Promise<BrokerAccountRecord> {
    const row = await this.db
      .insertInto('broker_accounts')
      .values({
        id: a.id,
        user_id: a.userId,
        broker: a.broker,
        label: a.label,
        status: a.status,
        status_message: a.statusMessage,
        sealed_secret: a.sealedSecret,
        key_version: a.keyVersion,
        token_expires_at: a.tokenExpiresAt,
        last_checked_at: a.lastCheckedAt,
        account_ref: a.accountRef,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRecord(row);
  }

  async get(userId: string, id: string): Promise<BrokerAccountRecord | null> {
    if (!isUuid(id)) return null;
    const row = await this.db
      .selectFrom('broker_accounts')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async list(userId: string): Promise<BrokerAccountRecord[]> {
    const rows = await this.db
      .selectFrom('broker_accounts')
      .selectAll()
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null)
      .orderBy('created_at')
      .execute();
    return rows.map(toRecord);
  }

  async listAll(): Promise<BrokerAccountRecord[]> {
    const rows = await this.db.selectFrom('broker_accounts').selectAll().where('deleted_at', 'is', null).execute();
    return rows.map(toRecord);
  }

  async update(
    userId: string,
    id: string,
    patch: Partial<Pick<BrokerAccountRecord, 'status' | 'statusMessage' | 'sealedSecret' | 'keyVersion' | 'tokenExpiresAt' | 'lastCheckedAt' | 'accountRef' | 'label'>>,
  ): Promise<BrokerAccountRecord | null> {
    if (!isUuid(id)) return null;
    const row = await this.db
      .updateTable('broker_accounts')
      .set({
        ...(patch.status !== undefined && { status: patch.status }),
        ...(patch.statusMessage !== undefined && { status_message: patch.statusMessage }),
        ...(patch.sealedSecret !== undefined && { sealed_secret: patch.sealedSecret }),
        ...(patch.keyVersion !== undefined && { key_version: patch.keyVersion }),
        ...(patch.tokenExpiresAt !== undefined && { token_expires_at: patch.tokenExpiresAt }),
        ...(patch.lastCheckedAt !== undefined && { last_checked_at: patch.lastCheckedAt }),
        ...(patch.accountRef !== undefined && { account_ref: patch.accountRef }),
        ...(patch.label !== undefined && { label: patch.label }),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async softDelete(userId: string, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const res = await this.db
      .updateTable('broker_accounts')
      .set({ deleted_at: new Date(), updated_at: new Date() })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids come from URLs: a malformed one is "not found", never a database cast error (500). */
export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

function toRecord(r: Row): BrokerAccountRecord {
  return {
    id: r.id,
    userId: r.user_id,
    broker: r.broker,
    label: r.label,
    status: r.status as BrokerAccountStatus,
    statusMessage: r.status_message,
    sealedSecret: r.sealed_secret,
    keyVersion: r.key_version,
    tokenExpiresAt: r.token_expires_at ? new Date(r.token_expires_at) : null,
    lastCheckedAt: r.last_checked_at ? new Date(r.last_checked_at) : null,
    accountRef: r.account_ref,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}
