import { mkdirSync } from 'node:fs';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { Database } from './schema';
import { migrationProvider } from './migrations/index';

export type Db = Kysely<Database>;

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; /** isolate tests in their own schema */ schema?: string; poolSize?: number }
  | { kind: 'pglite'; /** directory to persist in; omit for in-memory */ dataDir?: string };

/**
 * One query layer, two engines: PostgreSQL in production, PGlite (Postgres compiled to WASM) embedded.
 * Both run the same Kysely queries and the same migrations.
 */
export async function openDatabase(target: DatabaseTarget): Promise<Db> {
  if (target.kind === 'postgres') {
    if (target.schema) {
      const admin = new pg.Client({ connectionString: target.url });
      await admin.connect();
      await admin.query(`CREATE SCHEMA IF NOT EXISTS "${target.schema}"`);
      await admin.end();
    }
    const pool = new pg.Pool({
      connectionString: target.url,
      max: target.poolSize ?? 10,
      ...(target.schema ? { options: `-c search_path="${target.schema}"` } : {}),
    });
    // pg returns int8 as string; our counts and ids fit in JS numbers.
    pg.types.setTypeParser(20, (v) => Number(v));
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  if (target.dataDir) mkdirSync(target.dataDir, { recursive: true });
  const lite = target.dataDir ? new PGlite(target.dataDir) : new PGlite();
  await lite.waitReady;
  return new Kysely<Database>({ dialect: new PGliteDialect(lite) });
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  // Kysely looks for its bookkeeping tables across all schemas; pin them to the schema this
  // connection works in (a search_path from DATABASE_URL, or a test's own schema).
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const migrator = new Migrator({ db, provider: migrationProvider, migrationTableSchema: rows[0]?.schema ?? 'public' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}
