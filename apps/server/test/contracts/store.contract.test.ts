import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, type Db } from '../../src/adapters/postgres/database';
import { UserRepository } from '../../src/adapters/postgres/user-repository';
import { RefreshTokenRepository } from '../../src/adapters/postgres/refresh-token-repository';
import { BrokerAccountRepository } from '../../src/adapters/postgres/broker-account-repository';
import { ConflictError } from '../../src/domain/errors';
import { storageEngines } from '../support/storage-engines';

/**
 * ONE storage contract, run against every engine we ship: embedded PGlite and PostgreSQL.
 * The PostgreSQL half runs whenever ATS_TEST_DATABASE_URL is set (always in CI).
 */
const engines = storageEngines('store');

describe.each(engines)('storage contract: $name', ({ open }) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let users: UserRepository;
  let tokens: RefreshTokenRepository;
  let accounts: BrokerAccountRepository;

  beforeAll(async () => {
    ({ db, dispose } = await open());
    await migrateToLatest(db);
    users = new UserRepository(db);
    tokens = new RefreshTokenRepository(db);
    accounts = new BrokerAccountRepository(db);
  });
  afterAll(async () => dispose());

  const newUser = (email = `${randomUUID()}@example.com`) => users.create({ id: randomUUID(), email, name: 'Trader', passwordHash: 'h' });

  it('migrations are idempotent: a second run applies nothing', async () => {
    expect(await migrateToLatest(db)).toEqual([]);
  });

  it('creates and finds users; a duplicate email is a typed conflict', async () => {
    const u = await newUser('dup@example.com');
    expect((await users.byEmail('dup@example.com'))?.id).toBe(u.id);
    expect((await users.byId(u.id))?.email).toBe('dup@example.com');
    const err = await newUser('dup@example.com').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).code).toBe('EMAIL_TAKEN');
    expect(await users.byEmail('nobody@example.com')).toBeNull();
  });

  it('rotates a refresh token exactly once, and revokes a family', async () => {
    const u = await newUser();
    const family = randomUUID();
    const id = randomUUID();
    await tokens.insert({ id, userId: u.id, familyId: family, tokenHash: `h-${id}`, expiresAt: new Date(Date.now() + 60_000) });
    const next = randomUUID();
    const [a, b] = await Promise.all([tokens.rotate(id, next, new Date()), tokens.rotate(id, randomUUID(), new Date())]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const rec = await tokens.byHash(`h-${id}`);
    expect(rec?.revokedAt).toBeInstanceOf(Date);
    await tokens.insert({ id: next, userId: u.id, familyId: family, tokenHash: `h-${next}`, expiresAt: new Date(Date.now() + 60_000) });
    expect(await tokens.revokeFamily(family, new Date())).toBe(1);
    expect((await tokens.byHash(`h-${next}`))?.revokedAt).toBeInstanceOf(Date);
  });

  it('scopes broker accounts to their owner and soft-deletes them', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const acc = await accounts.insert({
      id: randomUUID(),
      userId: alice.id,
      broker: 'paper',
      label: 'Paper',
      status: 'CONNECTED',
      statusMessage: null,
      sealedSecret: '{}',
      keyVersion: 1,
      tokenExpiresAt: null,
      lastCheckedAt: null,
      accountRef: null,
    });
    expect((await accounts.get(alice.id, acc.id))?.label).toBe('Paper');
    expect(await accounts.get(bob.id, acc.id)).toBeNull();
    expect(await accounts.get(alice.id, 'not-a-uuid')).toBeNull();
    expect(await accounts.update(bob.id, acc.id, { label: 'stolen' })).toBeNull();
    expect((await accounts.update(alice.id, acc.id, { status: 'TOKEN_EXPIRED', statusMessage: 'expired' }))?.status).toBe('TOKEN_EXPIRED');
    expect(await accounts.list(bob.id)).toEqual([]);
    expect(await accounts.softDelete(bob.id, acc.id)).toBe(false);
    expect(await accounts.softDelete(alice.id, acc.id)).toBe(true);
    expect(await accounts.get(alice.id, acc.id)).toBeNull();
    expect(await accounts.list(alice.id)).toEqual([]);
  });
});

describe('PGlite on disk', () => {
  it('keeps data across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-pglite-'));
    let db = await openDatabase({ kind: 'pglite', dataDir: dir });
    await migrateToLatest(db);
    const id = randomUUID();
    await new UserRepository(db).create({ id, email: 'persist@example.com', name: 'P', passwordHash: 'h' });
    await db.destroy();
    db = await openDatabase({ kind: 'pglite', dataDir: dir });
    expect(await migrateToLatest(db)).toEqual([]);
    expect((await new UserRepository(db).byEmail('persist@example.com'))?.id).toBe(id);
    await db.destroy();
  });
});
