import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { DestinationStream } from 'pino';
import { pino } from 'pino';
import { loadConfig, type Config } from './config';
import { openDatabase, migrateToLatest, pingDatabase, type Db } from './adapters/postgres/database';
import { UserRepository } from './adapters/postgres/user-repository';
import { RefreshTokenRepository } from './adapters/postgres/refresh-token-repository';
import { BrokerAccountRepository } from './adapters/postgres/broker-account-repository';
import { strategyUsesBroker } from './adapters/postgres/broker-usage-query';
import { SystemClock } from './adapters/clock/system-clock';
import { InProcessRuntimeState } from './adapters/local/in-process-runtime-state';
import { InProcessBus } from './adapters/local/in-process-bus';
import { RedisRuntimeState } from './adapters/redis/redis-runtime-state';
import { RedisBus } from './adapters/redis/redis-bus';
import { buildApp } from './api/app';
import { loggerOptions } from './api/logger-options';
import { healthRoutes, type ReadinessCheck } from './api/routes/health-routes';
import { authRoutes } from './api/routes/auth-routes';
import { AccessTokens } from './security/access-tokens';
import { PasswordHasher } from './security/password-hasher';
import { loadOrCreateKeys } from './security/master-keys';
import { CredentialVault } from './security/credential-vault';
import { AuthService } from './services/auth-service';
import { StrategyRepository } from './adapters/postgres/strategy-repository';
import { RunRepository } from './adapters/postgres/run-repository';
import { OrderIntentRepository } from './adapters/postgres/order-intent-repository';
import { TradingCalendar } from './domain/trading-calendar';
import { StrategyService } from './services/strategy-service';
import { strategyRoutes } from './api/routes/strategy-routes';
import { BrokerService } from './services/broker-service';
import { InstrumentCatalogService } from './services/instrument-catalog-service';
import { scheduleDailyTokenCheck } from './services/token-check-schedule';
import { brokerRoutes } from './api/routes/broker-routes';
import { instrumentRoutes } from './api/routes/instrument-routes';
import { LoginState } from './security/login-state';
import { buildBrokerConnectors } from './brokers/broker-connectors';
import { SimMarket } from '@ats/market-sim';
import { RunSupervisor, type SupervisorOptions } from './engine/run-supervisor';
import { liveRoutes } from './api/routes/live-routes';
import { webAppRoutes } from './api/web-app-routes';
import { WebAppBuild } from './services/web-app-build';
import { fileURLToPath } from 'node:url';
import type { Clock } from './ports/clock';
import type { Bus } from './ports/bus';
import type { RuntimeState } from './ports/runtime-state';

export interface PlatformOverrides {
  clock?: Clock;
  logStream?: DestinationStream;
  /** use an existing database (tests isolate schemas this way) */
  db?: Db;
  /** PostgreSQL schema for DATABASE_URL, so test runs do not collide */
  dbSchema?: string;
  /** prefix for Redis keys and channels */
  redisPrefix?: string;
  /** the simulated market behind the Paper broker (tests script prices on it) */
  paperMarket?: SimMarket;
  engineOptions?: Partial<SupervisorOptions>;
}

export interface Platform {
  config: Config;
  app: FastifyInstance;
  db: Db;
  runtime: RuntimeState;
  bus: Bus;
  clock: Clock;
  vault: CredentialVault;
  brokers: BrokerService;
  catalog: InstrumentCatalogService;
  engine: RunSupervisor | null;
  webApp: WebAppBuild | null;
  close(): Promise<void>;
}

/** The composition root: the only place that knows every concrete adapter. */
export async function buildPlatform(config: Config, o: PlatformOverrides = {}): Promise<Platform> {
  const log = pino(loggerOptions(config.LOG_LEVEL), o.logStream);
  const clock = o.clock ?? new SystemClock();
  const now = () => clock.now();
  const dataDir = resolve(config.ATS_DATA_DIR);

  const keys = loadOrCreateKeys(dataDir, config);
  for (const name of keys.generated) {
    log.warn({ file: `${dataDir}/${name}` }, `generated a new ${name.replace('.key', '')} for embedded mode; keep this file safe and back it up with the data directory`);
  }

  const db =
    o.db ??
    (config.DATABASE_URL
      ? await openDatabase({ kind: 'postgres', url: config.DATABASE_URL, schema: o.dbSchema })
      : await openDatabase({ kind: 'pglite', dataDir: resolve(dataDir, 'pglite') }));
  const applied = await migrateToLatest(db);
  if (applied.length) log.info({ applied }, 'database migrated');

  let runtime: RuntimeState;
  let bus: Bus;
  const checks: Record<string, ReadinessCheck> = { database: () => pingDatabase(db) };
  if (config.REDIS_URL) {
    const redisOpts = { maxRetriesPerRequest: 2 } as const;
    // Commands issued in one turn of the event loop go out in one write: after a burst, each run's
    // live-state writes and publishes were a socket write apiece.
    const main = new Redis(config.REDIS_URL, { ...redisOpts, enableAutoPipelining: true });
    const pub = new Redis(config.REDIS_URL, { ...redisOpts, enableAutoPipelining: true });
    const sub = new Redis(config.REDIS_URL, { ...redisOpts, maxRetriesPerRequest: null });
    for (const c of [main, pub, sub]) c.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
    const prefix = o.redisPrefix ?? 'ats:';
    runtime = new RedisRuntimeState(main, prefix);
    bus = new RedisBus(pub, sub, `${prefix}bus:`);
    checks.redis = () => runtime.ping();
  } else {
    runtime = new InProcessRuntimeState(now);
    bus = new InProcessBus();
  }

  const vault = new CredentialVault(keys.aesKeys);
  const accessTokens = new AccessTokens(keys.jwtSecret, now);
  const auth = new AuthService({
    users: new UserRepository(db),
    refreshTokens: new RefreshTokenRepository(db),
    hasher: new PasswordHasher(),
    accessTokens,
    runtime,
    now,
  });

  const paperMarket = o.paperMarket ?? new SimMarket({ seed: Math.floor(now()) % 2 ** 31, now });
  const connectors = buildBrokerConnectors(config, { clock, paperMarket });
  const brokers = new BrokerService({
    accounts: new BrokerAccountRepository(db),
    connectors,
    vault,
    loginState: new LoginState(keys.jwtSecret, now),
    bus,
    now,
    inUse: (userId, accountId) => strategyUsesBroker(db, userId, accountId),
    onConnected: (kind) => catalog.invalidate(kind),
  });
  const catalog = new InstrumentCatalogService((kind) => brokers.instrumentsOf(kind), now);
  const stopTokenCheck = config.roles.engine
    ? scheduleDailyTokenCheck(
        clock,
        async () => log.info(await brokers.dailyTokenCheck(), 'pre-open broker token check'),
        (e) => log.error({ err: e }, 'pre-open broker token check failed'),
      )
    : () => undefined;

  const calendar = new TradingCalendar({
    mode: config.ATS_CALENDAR === 'nse' ? 'exchange' : 'always-open',
    squareOffCutoff: config.ATS_SQUARE_OFF_TIME,
  });
  const strategyStore = new StrategyRepository(db);
  const runStore = new RunRepository(db);
  const intentStore = new OrderIntentRepository(db);
  const strategies = new StrategyService({
    strategies: strategyStore,
    runs: runStore,
    orders: intentStore,
    brokerAccounts: new BrokerAccountRepository(db),
    catalog,
    runtime,
    bus,
    calendar,
    maxQuantity: config.ATS_MAX_QUANTITY,
    now,
    log,
  });

  const engine = config.roles.engine
    ? new RunSupervisor(
        { runs: runStore, strategies: strategyStore, intents: intentStore, directory: brokers, runtime, bus, clock, calendar, log: log.child({ role: 'engine' }) },
        { entryGraceMs: config.ATS_ENTRY_GRACE_MS, feedStaleMs: config.ATS_FEED_STALE_MS, ...o.engineOptions },
      )
    : null;

  const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
  const webApp = config.ATS_SERVE_APP
    ? new WebAppBuild(resolve(config.ATS_WEB_DIST ?? resolve(repoRoot, 'apps/mobile/dist')), resolve(repoRoot, 'apps/mobile'), log.child({ role: 'web-app' }))
    : null;

  const app = await buildApp({
    logLevel: config.LOG_LEVEL,
    corsOrigins: config.CORS_ORIGINS,
    trustProxy: config.ATS_TRUST_PROXY,
    accessTokens,
    logStream: o.logStream,
    routes: (a) => {
      healthRoutes(a, checks);
      authRoutes(a, auth);
      strategyRoutes(a, strategies);
      brokerRoutes(a, brokers);
      instrumentRoutes(a, catalog, brokers);
      return liveRoutes(a, { bus, accessTokens, livePriceTopics: (userId) => strategies.livePriceTopics(userId) }).then(() => (webApp ? webAppRoutes(a, webApp) : undefined));
    },
  });

  await engine?.start();

  return {
    config,
    app,
    engine,
    db,
    runtime,
    bus,
    clock,
    vault,
    brokers,
    catalog,
    webApp,
    close: async () => {
      stopTokenCheck();
      await engine?.stop();
      await app.close();
      await brokers.close();
      for (const c of connectors.values()) (c as { stop?: () => void }).stop?.();
      await bus.close();
      await runtime.close();
      if (!o.db) await db.destroy();
    },
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
  let platform: Platform;
  try {
    platform = await buildPlatform(config);
  } catch (e) {
    // A key that cannot be used (an unreadable or malformed key file in the data directory) is a
    // configuration problem: say which, without a stack trace. Anything else is a real crash.
    const message = e instanceof Error ? e.message : String(e);
    if ((e instanceof Error && e.name === 'ConfigError') || /^(AES_MASTER_KEY|JWT_SECRET_KEY)\b/.test(message)) {
      console.error(message);
      process.exit(1);
    }
    throw e;
  }
  const address = await platform.app.listen({ port: config.PORT, host: config.HOST });
  platform.app.log.info({ mode: config.mode, roles: config.roles, instance: randomUUID() }, `listening on ${address}`);
  // Built after listening: the API is usable at once, and the page says so while the app builds.
  void platform.webApp?.ensure();
  const shutdown = (signal: string): void => {
    platform.app.log.info({ signal }, 'shutting down');
    void platform.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
