import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createHash } from 'node:crypto';
import { kiteSimApps, SimControl, type KiteSimApp } from '@ats/broker-sims';
import { SIM_INSTRUMENTS } from '@ats/market-sim';
import { loadConfig, type Config } from '../apps/server/src/config';
import { buildPlatform, type Platform } from '../apps/server/src/main';
import { dropSchema, migrateToLatest, openDatabase, type Db } from '../apps/server/src/adapters/postgres/database';
import { RunRepository } from '../apps/server/src/adapters/postgres/run-repository';
import { istDateOf, istSecondsOf, formatHms } from '../apps/server/src/domain/exchange-time';
import type { InstrumentId } from '../apps/server/src/domain/instrument';
import { paise } from '../apps/server/src/domain/price';
import { armRun, type Run } from '../apps/server/src/domain/run-state-machine';
import { nextActionAt } from '../apps/server/src/domain/run-schedule';
import type { SupervisorOptions } from '../apps/server/src/engine/run-supervisor';
import { ENGINE_TOPIC } from '../apps/server/src/ports/bus';
import type { Bus } from '../apps/server/src/ports/bus';
import { CredentialVault } from '../apps/server/src/security/credential-vault';
import { loadOrCreateKeys } from '../apps/server/src/security/master-keys';

/**
 * The platform under benchmark: the real composition root (`buildPlatform`) in production mode —
 * PostgreSQL in a fresh schema, Redis runtime state and bus — against the Kite sim in a separate
 * process, plus bulk seeding of tenants and strategies through the stores (10,000 strategies
 * through HTTP would take longer than the benchmark itself).
 */
export const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const BENCH_ENV = {
  JWT_SECRET_KEY: 'bench-jwt-secret-key-that-is-long-enough-0123456789',
  AES_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
};

/** Instruments the Kite sim knows (the bench cannot add to them; see docs/BENCHMARKS.md). */
export const SIM_KEYS = SIM_INSTRUMENTS.filter((i) => i.exchange === 'NSE').map((i) => ({ id: `NSE:${i.symbol}`, symbol: i.symbol, basePaise: i.basePaise }));

export interface KiteSimProcess {
  url: string;
  control: SimControl;
  /** the sim's extra apps, one per benchmark tenant */
  apps: KiteSimApp[];
  /** start (rate > 0) or stop the paced tick source; stopping returns what it sent */
  ticks(rate: number): Promise<{ sent: number; seconds: number; behindMax: number } | null>;
  setPrice(id: string, paise: number): Promise<{ at: number }>;
  /** CPU, memory and order counts of the sim process, over IPC (cheap enough to poll during a burst, unlike the order list) */
  stats(): Promise<{ cpuUserMs: number; cpuSystemMs: number; rssMb: number; instruments: number; buys: number; sells: number }>;
  /** start a CPU profile of the sim written to `file` (the window of interest), or stop it (null) */
  profile(file: string | null): Promise<void>;
  close(): Promise<void>;
}

export async function startKiteSimProcess(o: { tickMs?: number; apps?: number } = {}): Promise<KiteSimProcess> {
  const child: ChildProcess = fork(new URL('./kite-sim-process.ts', import.meta.url).pathname, ['--tick-ms', String(o.tickMs ?? 250), '--apps', String(o.apps ?? 0)], {
    // The sim stands in for the broker's servers, which do not share our cores; sized like the
    // engine's own heap (npm start), its young generation is not scavenged over and over while it
    // holds a burst's ten thousand orders.
    execArgv: ['--import', 'tsx', '--max-semi-space-size=64'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (v: unknown) => void>();
  let seq = 0;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`kite sim exited with ${code}`)));
    child.on('message', (m: { ready?: string; id?: number; body?: unknown }) => {
      if (m.ready) resolve(m.ready);
      else if (m.id !== undefined) {
        pending.get(m.id)?.(m.body);
        pending.delete(m.id);
      }
    });
  });
  const call = <T>(msg: Record<string, unknown>): Promise<T> =>
    new Promise<T>((resolve) => {
      const id = ++seq;
      pending.set(id, resolve as (v: unknown) => void);
      child.send({ ...msg, id });
    });
  return {
    url,
    control: new SimControl(url),
    apps: kiteSimApps(o.apps ?? 0),
    ticks: (rate) => call({ type: 'ticks', rate }),
    setPrice: (id, paise) => call({ type: 'price', key: id, paise }),
    stats: () => call({ type: 'stats' }),
    profile: (file) => call({ type: 'profile', file }),
    close: async () => {
      child.removeAllListeners('exit');
      const exited = new Promise((r) => child.once('exit', r));
      child.disconnect();
      const kill = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

/** Engine logs go nowhere (writing them would be I/O the benchmark does not measure), but errors are counted. */
export class LogSink extends Writable {
  errors = 0;
  warnings = 0;
  readonly samples: string[] = [];
  constructor() {
    super({
      write: (chunk: Buffer, _enc, cb) => {
        const line = chunk.toString('utf8');
        const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
        if (level >= 50) this.errors += 1;
        else if (level >= 40) this.warnings += 1;
        if (level >= 40 && this.samples.length < 5) this.samples.push(line.slice(0, 300));
        cb();
      },
    });
  }
}

export interface BenchDatabase {
  db: Db;
  schema: string;
  dataDir: string;
  config: Config;
  vault: CredentialVault;
  drop(): Promise<void>;
}

export async function openBenchDatabase(simUrl: string, schema = `bench_${randomUUID().replace(/-/g, '').slice(0, 10)}`): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ats-bench-'));
  const config = loadConfig({
    DATABASE_URL,
    REDIS_URL,
    ATS_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    ATS_CALENDAR: 'always-open',
    ATS_SERVE_APP: 'false',
    KITE_API_URL: simUrl,
    KITE_WS_URL: simUrl.replace('http', 'ws'),
    KITE_LOGIN_URL: simUrl,
    ...BENCH_ENV,
  });
  // The production pool size (main.ts opens it without poolSize): the benchmark measures that.
  const db = await openDatabase({ kind: 'postgres', url: DATABASE_URL, schema });
  await migrateToLatest(db);
  const vault = new CredentialVault(loadOrCreateKeys(dataDir, config).aesKeys);
  return {
    db,
    schema,
    dataDir,
    config,
    vault,
    drop: async () => {
      await db.destroy();
      await dropSchema(DATABASE_URL, schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}


export async function startBenchEngine(bdb: BenchDatabase, o: { engineOptions?: Partial<SupervisorOptions> } = {}): Promise<{ platform: Platform; logs: LogSink }> {
  const logs = new LogSink();
  const platform = await buildPlatform(bdb.config, { db: bdb.db, logStream: logs, redisPrefix: `${bdb.schema}:`, ...(o.engineOptions ? { engineOptions: o.engineOptions } : {}) });
  return { platform, logs };
}

export interface Tenant {
  userId: string;
  accountId: string;
  index: number;
}

/** A Kite access token through the sim's own redirect login, as a user's browser would get it. */
export async function kiteLogin(simUrl: string, app: KiteSimApp): Promise<string> {
  const page = await fetch(`${simUrl}/connect/login?api_key=${app.apiKey}&v=3`, { redirect: 'manual' });
  const rt = new URL(page.headers.get('location') as string).searchParams.get('request_token') as string;
  const form = new URLSearchParams({ api_key: app.apiKey, request_token: rt, checksum: createHash('sha256').update(app.apiKey + rt + app.apiSecret).digest('hex') });
  const res = await fetch(`${simUrl}/session/token`, { method: 'POST', body: form, headers: { 'x-kite-version': '3', 'content-type': 'application/x-www-form-urlencoded' } });
  return ((await res.json()) as { data: { access_token: string } }).data.access_token;
}

/** Log every app in, 16 at a time. */
export async function kiteLoginAll(sim: KiteSimProcess): Promise<string[]> {
  const tokens: string[] = new Array<string>(sim.apps.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < sim.apps.length; i = next++) tokens[i] = await kiteLogin(sim.url, sim.apps[i] as KiteSimApp);
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return tokens;
}

/**
 * Users with one connected Zerodha account each (app i of the sim), sealed in the vault exactly
 * as BrokerService.connect seals them. Without `apps` the accounts are placeholders (the memory
 * benchmark never reaches a broker).
 */
export async function seedTenants(b: BenchDatabase, tokens: string[], apps: KiteSimApp[] = []): Promise<Tenant[]> {
  const tenants: Tenant[] = tokens.map((_, index) => ({ userId: randomUUID(), accountId: randomUUID(), index }));
  const now = new Date();
  for (let i = 0; i < tenants.length; i += 500) {
    const part = tenants.slice(i, i + 500);
    await b.db
      .insertInto('users')
      .values(part.map((t) => ({ id: t.userId, email: `bench-${t.index}-${t.userId.slice(0, 8)}@example.com`, name: `Bench ${t.index}`, password_hash: 'not-a-login', created_at: now })))
      .execute();
    await b.db
      .insertInto('broker_accounts')
      .values(
        part.map((t) => {
          const token = tokens[t.index] as string;
          const app = apps[t.index] ?? { apiKey: `placeholder_key_${t.index}`, apiSecret: 'placeholder', userId: `ZX${t.index}` };
          const session = { accessToken: token, expiresAt: null, extra: {}, accountRef: app.userId };
          const sealed = b.vault.sealJson({ credentials: { api_key: app.apiKey, api_secret: app.apiSecret, access_token: token }, session }, `${t.userId}:${t.accountId}`);
          return {
            id: t.accountId,
            user_id: t.userId,
            broker: 'zerodha',
            label: `Zerodha ${session.accountRef}`,
            status: 'CONNECTED',
            status_message: null,
            sealed_secret: sealed.text,
            key_version: sealed.keyVersion,
            token_expires_at: null,
            last_checked_at: now,
            account_ref: session.accountRef,
            created_at: now,
            updated_at: now,
          };
        }),
      )
      .execute();
  }
  return tenants;
}

export interface BenchStrategy {
  id: string;
  tenant: Tenant;
  instrument: { id: string; symbol: string; basePaise: number };
  buyAt: number;
  stopLossPaise: number;
  quantity: number;
}

/** CREATED strategies, bulk-inserted (the API's create only validates and inserts this row). */
export async function seedStrategies(b: BenchDatabase, list: Array<Omit<BenchStrategy, 'id'>>): Promise<BenchStrategy[]> {
  const out = list.map((s) => ({ ...s, id: randomUUID() }));
  const now = new Date();
  for (let i = 0; i < out.length; i += 1000) {
    await b.db
      .insertInto('strategies')
      .values(
        out.slice(i, i + 1000).map((s) => ({
          id: s.id,
          user_id: s.tenant.userId,
          broker_account_id: s.tenant.accountId,
          name: null,
          exchange: 'NSE',
          symbol: s.instrument.symbol,
          buy_time: formatHms(Math.floor(istSecondsOf(s.buyAt))),
          sell_time: formatHms(Math.min(86_399, Math.floor(istSecondsOf(s.buyAt)) + 1800)),
          stop_loss_paise: s.stopLossPaise,
          quantity: s.quantity,
          repeat: 'once',
          status: 'CREATED',
          reason: null,
          version: 1,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  }
  return out;
}

/**
 * Arm each strategy the way StrategyService.start does — one transaction that inserts the
 * WAITING_BUY run with its ARMED event and moves the strategy CREATED → RUNNING — then tell the
 * engine on the bus (`strategy.changed` on the engine topic), which is how a started strategy
 * reaches it. `position` arms a run that is already BOUGHT (for the stop-loss benchmark).
 * Without `bus` the runs are only written: an engine starting later finds them by its recovery scan.
 */
export async function armStrategies(
  b: BenchDatabase,
  list: BenchStrategy[],
  o: { bus?: Bus; position?: boolean; concurrency?: number } = {},
): Promise<Map<string, string>> {
  const runs = new RunRepository(b.db);
  const runOf = new Map<string, string>(); // strategy id → run id
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const s = list[next++];
      if (!s) return;
      const now = Date.now();
      const sellAt = s.buyAt + 30 * 60_000;
      const armed = armRun({ id: randomUUID(), strategyId: s.id, tradingDate: istDateOf(s.buyAt), quantity: s.quantity, stopLossPaise: paise(s.stopLossPaise), buyAt: s.buyAt, sellAt, squareOffAt: sellAt }, now);
      const run: Run = o.position
        ? { ...armed.run, phase: 'BOUGHT', positionQuantity: s.quantity, entryPricePaise: paise(s.instrument.basePaise), entryBrokerOrderId: 'bench-entry', lastPricePaise: paise(s.instrument.basePaise) }
        : armed.run;
      const result = await runs.arm(
        {
          run,
          event: armed.event,
          userId: s.tenant.userId,
          brokerAccountId: s.tenant.accountId,
          instrument: s.instrument.id as InstrumentId,
          nextActionAt: nextActionAt(run),
          strategy: { id: s.id, expectedVersion: 1, patch: { status: 'RUNNING', reason: null }, events: [{ ts: now, from: 'CREATED', to: 'RUNNING', cause: 'STARTED', details: { trading_date: run.tradingDate } }] },
        },
        now,
      );
      if (!result) throw new Error(`arming ${s.id} conflicted`);
      runOf.set(s.id, result.run.run.id);
      await o.bus?.publish(ENGINE_TOPIC, { type: 'strategy.changed', action: 'started', strategyId: s.id, userId: s.tenant.userId, runId: result.run.run.id });
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 8 }, worker));
  return runOf;
}

/** Poll until `cond` holds, or fail with `label` after `timeoutMs`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, label: string, timeoutMs = 60_000, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
