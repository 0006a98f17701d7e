/** Durable records: PostgreSQL in production, PGlite embedded; both behind these interfaces. */

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  createdAt: Date;
}

export interface RefreshTokenRecord {
  id: string;
  userId: string;
  familyId: string;
  tokenHash: string;
  expiresAt: Date;
  createdAt: Date;
  revokedAt: Date | null;
  replacedBy: string | null;
}

export interface UserStore {
  /** Throws ConflictError('EMAIL_TAKEN') when the email exists. */
  create(u: Omit<UserRecord, 'createdAt'>): Promise<UserRecord>;
  byEmail(email: string): Promise<UserRecord | null>;
  byId(id: string): Promise<UserRecord | null>;
}

export interface RefreshTokenStore {
  insert(t: Omit<RefreshTokenRecord, 'createdAt' | 'revokedAt' | 'replacedBy'>): Promise<void>;
  byHash(tokenHash: string): Promise<RefreshTokenRecord | null>;
  /**
   * Atomically revoke `id` if it is still live, recording its successor. Returns false when it was
   * already revoked: the caller is looking at a replayed token.
   */
  rotate(id: string, replacedBy: string | null, at: Date): Promise<boolean>;
  revokeFamily(familyId: string, at: Date): Promise<number>;
}

export type BrokerAccountStatus = 'CONNECTED' | 'TOKEN_EXPIRED' | 'ERROR';

export interface BrokerAccountRecord {
  id: string;
  userId: string;
  broker: string;
  label: string;
  status: BrokerAccountStatus;
  statusMessage: string | null;
  sealedSecret: string;
  keyVersion: number;
  tokenExpiresAt: Date | null;
  lastCheckedAt: Date | null;
  accountRef: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface BrokerAccountStore {
  insert(a: Omit<BrokerAccountRecord, 'createdAt' | 'updatedAt'>): Promise<BrokerAccountRecord>;
  /** Scoped to the owner: another user's id is simply not found. */
  get(userId: string, id: string): Promise<BrokerAccountRecord | null>;
  list(userId: string): Promise<BrokerAccountRecord[]>;
  /** Every live account (the pre-open token check and the engine need them across users). */
  listAll(): Promise<BrokerAccountRecord[]>;
  update(
    userId: string,
    id: string,
    patch: Partial<Pick<BrokerAccountRecord, 'status' | 'statusMessage' | 'sealedSecret' | 'keyVersion' | 'tokenExpiresAt' | 'lastCheckedAt' | 'accountRef' | 'label'>>,
  ): Promise<BrokerAccountRecord | null>;
  softDelete(userId: string, id: string): Promise<boolean>;
}
