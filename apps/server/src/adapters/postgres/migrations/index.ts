import type { Migration, MigrationProvider } from 'kysely';
import * as m001 from './001-foundation';
import * as m002 from './002-broker-accounts';
import * as m003 from './003-strategies';
import * as m004 from './004-order-intent-sent-at';

/**
 * Every migration, in order. Forward-only: a released migration is never edited; a change is a new file.
 * Listed in code (not read from disk) so the same list runs under tsx, tests and a bundled build.
 */
const MIGRATIONS: Record<string, Migration> = {
  '001-foundation': m001,
  '002-broker-accounts': m002,
  '003-strategies': m003,
  '004-order-intent-sent-at': m004,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
