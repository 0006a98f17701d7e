import type { RefreshTokenRecord, RefreshTokenStore } from '../../ports/store';
import type { Db } from './database';

export class RefreshTokenRepository implements RefreshTokenStore {
  constructor(private readonly db: Db) {}

  async insert(t: Omit<RefreshTokenRecord, 'createdAt' | 'revokedAt' | 'replacedBy'>): Promise<void> {
    await this.db
      .insertInto('refresh_tokens')
      .values({ id: t.id, user_id: t.userId, family_id: t.familyId, token_hash: t.tokenHash, expires_at: t.expiresAt })
      .execute();
  }

  async byHash(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const r = await this.db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    if (!r) return null;
    return {
      id: r.id,
      userId: r.user_id,
      familyId: r.family_id,
      tokenHash: r.token_hash,
      expiresAt: new Date(r.expires_at),
      createdAt: new Date(r.created_at),
      revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
      replacedBy: r.replaced_by,
    };
  }

  async rotate(id: string, replacedBy: string | null, at: Date): Promise<boolean> {
    // The `revoked_at is null` guard makes rotation a compare-and-set: of two concurrent refreshes
    // with the same token, exactly one wins.
    const res = await this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: at, replaced_by: replacedBy })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async revokeFamily(familyId: string, at: Date): Promise<number> {
    const res = await this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: at })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }
}
