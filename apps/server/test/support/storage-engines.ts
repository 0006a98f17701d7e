import { dropSchema, openDatabase, type Db } from '../../src/adapters/postgres/database';
import { TEST_DATABASE_URL, uniqueName } from './test-env';

export interface StorageEngine {
  name: string;
  open(): Promise<{ db: Db; dispose: () => Promise<void> }>;
}

/**
 * Every storage engine the contract suites run against: PGlite in memory always, and PostgreSQL in
 * a schema of its own whenever ATS_TEST_DATABASE_URL is set (always in CI).
 */
export function storageEngines(prefix: string): StorageEngine[] {
  const engines: StorageEngine[] = [
    {
      name: 'PGlite',
      open: async () => {
        const db = await openDatabase({ kind: 'pglite' });
        return { db, dispose: () => db.destroy() };
      },
    },
  ];
  if (TEST_DATABASE_URL) {
    const url = TEST_DATABASE_URL;
    engines.push({
      name: 'PostgreSQL',
      open: async () => {
        const schema = uniqueName(prefix);
        const db = await openDatabase({ kind: 'postgres', url, schema, poolSize: 4 });
        return {
          db,
          dispose: async () => {
            await db.destroy();
            await dropSchema(url, schema);
          },
        };
      },
    });
  }
  return engines;
}
