import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { buildPlatform, type Platform, type PlatformOverrides } from '../../src/main';
import { dropSchema, openDatabase } from '../../src/adapters/postgres/database';
import { VirtualClock } from '../../src/adapters/clock/virtual-clock';
import { captureStream, TEST_AES_MASTER_KEY, TEST_DATABASE_URL, TEST_JWT_SECRET_KEY, TEST_REDIS_URL, uniqueName } from './test-env';

export interface TestPlatform extends Platform {
  clock: VirtualClock;
}

export type StorageKind = 'pglite' | 'postgres';

/**
 * The real server, composed by the real composition root, on a virtual clock with logs captured.
 * `pglite` runs in memory; `postgres` gets its own schema in ATS_TEST_DATABASE_URL and drops it after.
 */
export async function startTestPlatform(
  opts: { storage?: StorageKind; redis?: boolean; env?: Record<string, string>; start?: number; overrides?: PlatformOverrides } = {},
): Promise<TestPlatform & { dispose(): Promise<void> }> {
  const storage = opts.storage ?? 'pglite';
  const dataDir = mkdtempSync(join(tmpdir(), 'ats-test-'));
  const clock = new VirtualClock(opts.start ?? Date.UTC(2026, 10, 25, 4, 0, 0));
  const env: Record<string, string> = {
    ATS_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    ATS_CALENDAR: 'always-open',
    JWT_SECRET_KEY: TEST_JWT_SECRET_KEY,
    AES_MASTER_KEY: TEST_AES_MASTER_KEY,
    ...opts.env,
  };
  let schema: string | undefined;
  let db: PlatformOverrides['db'];
  if (storage === 'postgres') {
    if (!TEST_DATABASE_URL) throw new Error('ATS_TEST_DATABASE_URL is not set');
    schema = uniqueName('t');
    env.DATABASE_URL = TEST_DATABASE_URL;
    db = await openDatabase({ kind: 'postgres', url: TEST_DATABASE_URL, schema, poolSize: 4 });
  } else {
    db = await openDatabase({ kind: 'pglite' });
  }
  if (opts.redis) {
    if (!TEST_REDIS_URL) throw new Error('ATS_TEST_REDIS_URL is not set');
    env.REDIS_URL = TEST_REDIS_URL;
  }
  const config = loadConfig(env);
  const platform = await buildPlatform(config, {
    clock,
    db,
    logStream: captureStream(),
    redisPrefix: `${uniqueName('t')}:`,
    ...opts.overrides,
  });
  await platform.app.ready();
  return {
    ...platform,
    clock,
    dispose: async () => {
      await platform.close();
      await db?.destroy();
      if (schema && TEST_DATABASE_URL) await dropSchema(TEST_DATABASE_URL, schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
