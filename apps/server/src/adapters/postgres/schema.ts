import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

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
}
