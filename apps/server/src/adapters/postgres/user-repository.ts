import { ConflictError } from '../../domain/errors';
import type { UserRecord, UserStore } from '../../ports/store';
import type { Db } from './database';

function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === '23505';
}

export class UserRepository implements UserStore {
  constructor(private readonly db: Db) {}

  async create(u: Omit<UserRecord, 'createdAt'>): Promise<UserRecord> {
    try {
      const row = await this.db
        .insertInto('users')
        .values({ id: u.id, email: u.email, name: u.name, password_hash: u.passwordHash })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toUser(row);
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictError('EMAIL_TAKEN', 'An account with this email already exists');
      throw e;
    }
  }

  async byEmail(email: string): Promise<UserRecord | null> {
    const row = await this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async byId(id: string): Promise<UserRecord | null> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }
}

function toUser(r: { id: string; email: string; name: string; password_hash: string; created_at: Date }): UserRecord {
  return { id: r.id, email: r.email, name: r.name, passwordHash: r.password_hash, createdAt: new Date(r.created_at) };
}
