import { isTerminalPhase, transition, armRun, IllegalTransitionError, type Run, type RunEvent, type RunEventRecord } from '../domain/run-state-machine';
import { nextActionAt, planRun } from '../domain/run-schedule';
import { statusAfterRun } from '../domain/strategy';
import type { InstrumentId } from '../domain/instrument';
import type { OrderIntent, PlaceResult } from '../domain/order';
import { paise, type Paise } from '../domain/price';
import type { TradingCalendar } from '../domain/trading-calendar';
import type { Broker, BrokerKind, PreparedOrder, SessionState } from '../ports/broker';
import type { BrokerDirectory } from '../ports/broker-directory';
import { ENGINE_TOPIC, priceTopic, userTopic, type Bus } from '../ports/bus';
import type { Clock } from '../ports/clock';
import type { RuntimeState } from '../ports/runtime-state';
import type { OrderIntentStore, RunRecord, RunStore, RunTransition, RunWriteResult, StrategyStore, StrategyWrite } from '../ports/strategy-store';
import { CircuitBreaker } from './circuit-breaker';
import { DueScheduler } from './due-scheduler';
import { MarketHub, priceKey, type HubAlert, type HubTick } from './market-hub';
import { DEFAULT_EXECUTOR_OPTIONS, OrderExecutor, type ExecutorLog, type ExecutorOptions } from './order-executor';
import { GroupWriter } from './group-writer';
import { Semaphore } from './semaphore';
import { StopLossBook } from './stop-loss-book';


export interface SupervisorOptions {
  entryGraceMs: number;
  feedStaleMs: number;
  /** connections and prices are readied this long before a buy */
  prewarmMs: number;
  /** how often the database is rescanned for runs armed elsewhere */
  rescanEveryMs: number;
  /** live price pushes per instrument per user are throttled to this interval */
  pricePushEveryMs: number;
  /**
   * How long this engine's claim on a run lasts without renewal. Several engine processes share
   * the runs: each acts only on runs it holds, and a run whose engine died is taken over by
   * another once its lease lapses (renewed every rescan).
   */
  leaseMs: number;
  /**
   * Bought entries doing their post-send bookkeeping at once (see afterEntrySent): a bounded number, each
   * to the end, so stop-losses are armed progressively instead of all at the last write.
   */
  entryBookkeepingSlots: number;
  executor?: Partial<ExecutorOptions>;
}

/** Leases renewed per round trip in the periodic tick. */
const LEASE_RENEW_GROUP = 500;
/** How long before a buy its broker connections are warmed a last time. */
const REWARM_LEAD_MS = 1_000;
/** a failed due action (see runDue) is tried again after this, doubling up to the cap */
const DUE_RETRY_FIRST_MS = 100;
const DUE_RETRY_MAX_MS = 5_000;
/** the trader hears of an entry that could not be confirmed after this many broken loops */
const ENTRY_ALERT_AFTER = 3;
/** A due batch this large keeps housekeeping away from its instant (see housekeepingWindow). */
const LARGE_BATCH = 100;
const HOUSEKEEPING_CLEARANCE_MS = 1_500;
const HOUSEKEEPING_MAX_WAIT_MS = 4_000;
/** Events written at once, never through the grouped writer (see apply). */
const URGENT_EVENTS = new Set<RunEvent['type']>(['STOP_LOSS_HIT', 'USER_STOP', 'SELL_TIME_DUE', 'SQUARE_OFF_DUE']);
/** A run whose lease cannot be renewed is let go this long before the lease would lapse. */
const LEASE_SAFETY_MS = 2_000;
/** Untracked runs a rescan reads per statement. */
const RESCAN_CHUNK = 1_000;

export const DEFAULT_SUPERVISOR_OPTIONS: SupervisorOptions = {
  entryGraceMs: 5_000,
  feedStaleMs: 3_000,
  prewarmMs: 5_000,
  rescanEveryMs: 5_000,
  pricePushEveryMs: 250,
  leaseMs: 15_000,
  entryBookkeepingSlots: 64,
};

export interface SupervisorDeps {
  runs: RunStore;
  strategies: StrategyStore;
  intents: OrderIntentStore;
  directory: BrokerDirectory;
  runtime: RuntimeState;
  bus: Bus;
  clock: Clock;
  calendar: TradingCalendar;
  log: ExecutorLog;
}

interface EntryReady {
  broker: Broker;
  intent: OrderIntent;
  /** the intent's broker request, built by `broker`; null where the broker builds none ahead */
  order: PreparedOrder | null;
}

interface Tracked {
  rec: RunRecord;
  kind: BrokerKind;
  /** priceKey(kind, instrument), made once: its stop books and its last price */
  key: string;
  watching: boolean;
  /** the pre-buy session check: resolves to a reason when the broker session is not usable */
  prewarmed: Promise<string | null> | null;
  /** the first entry intent, written at prewarm by this process and not yet sent */
  prepared: Promise<OrderIntent | null> | null;
  /**
   * Everything the buy needs, settled at prewarm: the broker, the prepared intent and (where the
   * broker builds orders ahead) its request. Taken once at the buy.
   */
  entryReady: EntryReady | null;
  /** entry loops in a row that broke (see entryLoopFailed) */
  entryFailures: number;
  /** exit loops in a row that broke (see exitLoopFailed) */
  exitFailures: number;
  /** in position: the exit intent this process wrote when the position opened (not yet sent) */
  exitIntent: OrderIntent | null;
  /** in position: the opened broker, so a stop-loss SELL needs no lookup */
  broker: Broker | null;
  exitPrepared: boolean;
  /** the exit intent being written, until it is */
  exitPreparing: Promise<void> | null;
  /** a stop-loss decision is in flight: a second crossing seen meanwhile adds nothing */
  stopping: boolean;
  /** an executor loop is driving this run's order */
  driving: boolean;
  /** when this engine's lease on the run runs out unless renewed (epoch ms, wall clock) */
  leaseUntil: number;
}

/**
 * The engine: keeps every open run, fires its timed actions exactly on time, exits positions the
 * moment a tick crosses their stop, and drives orders through the executor. Every change of a run
 * is a compare-and-set on its row, so an API stop or a second engine can never be overwritten: the
 * loser re-reads and decides again. After a crash, `start()` rebuilds everything from the database
 * and each in-flight order is reconciled with the broker by its tag before anything is sent.
 */
export class RunSupervisor {
  private readonly live = new Map<string, Tracked>();
  private readonly books = new Map<string, StopLossBook>();
  /**
   * Entries sent and still waiting for a bookkeeping slot, by stop, per instrument: a tick through
   * one of their stops lets that run in before its turn (Semaphore.promote), so a position already
   * in danger is confirmed and protected first, not after thousands of others.
   */
  private readonly awaitingBooks = new Map<string, StopLossBook>();
  private readonly watchers = new Map<string, Map<string, string>>(); // kind|instrument → runId → userId
  private readonly lastPush = new Map<string, number>();
  private readonly kinds = new Map<string, BrokerKind>();
  private readonly breakers = new Map<BrokerKind, CircuitBreaker>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly sessionChecks = new WeakMap<Broker, { at: number; state: Promise<SessionState> }>();
  private readonly scheduler: DueScheduler;
  private readonly entryBookkeeping: Semaphore;
  /** run-only transitions of all runs, written in groups (thousands of fills land within seconds after a burst) */
  private readonly transitions: GroupWriter<Omit<RunTransition, 'strategy'>, RunWriteResult | null>;
  private readonly hub: MarketHub;
  private readonly executor: OrderExecutor;
  private readonly o: SupervisorOptions;
  private readonly timers: NodeJS.Timeout[] = [];
  /** housekeeping chores in progress, by kind */
  private readonly chores = new Map<'renew' | 'rescan', Promise<void>>();
  private rescans = 0;
  /** this process's identity in run leases */
  readonly owner = crypto.randomUUID();
  private unsubscribe: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly d: SupervisorDeps,
    options: Partial<SupervisorOptions> = {},
  ) {
    this.o = { ...DEFAULT_SUPERVISOR_OPTIONS, ...options };
    this.entryBookkeeping = new Semaphore(this.o.entryBookkeepingSlots);
    this.scheduler = new DueScheduler(d.clock, Math.random, (key, e) => d.log.error({ job: key, err: e instanceof Error ? e.message : String(e) }, 'a scheduled job failed'));
    this.transitions = new GroupWriter((list) => d.runs.applyTransitions(list));
    this.hub = new MarketHub(d.directory, d.clock, (t) => this.onTick(t), (a) => this.onFeedAlert(a), { staleMs: this.o.feedStaleMs });
    this.executor = new OrderExecutor(
      d.intents,
      d.clock,
      { emit: (id, e, leading) => this.apply(id, e, leading), alert: (rec, code, message) => this.alert(rec.userId, { code, message, strategy_id: rec.run.strategyId, run_id: rec.run.id }) },
      d.log,
      { ...DEFAULT_EXECUTOR_OPTIONS, entryGraceMs: this.o.entryGraceMs, ...this.o.executor },
    );
  }

  /** Rebuild every open run from the database and start watching for new ones. */
  async start(): Promise<void> {
    this.hub.start();
    this.unsubscribe = await this.d.bus.subscribe(ENGINE_TOPIC, (m) => {
      // A database blip while handling a command must not take the process (and every engine
      // subscribed) down: the periodic rescan picks the run up again.
      this.onCommand(m).catch((e: unknown) => this.d.log.error({ err: e instanceof Error ? e.message : String(e) }, 'engine command failed'));
    });
    await this.rescan(undefined);
    // Renewal and rescans on their own timers: a long rescan must never push a renewal past the lease.
    this.timers.push(setInterval(() => void this.housekeeping('renew', () => this.renewLeases()), this.o.rescanEveryMs));
    this.timers.push(setInterval(() => void this.housekeeping('rescan', () => this.periodicRescan()), this.o.rescanEveryMs));
    for (const t of this.timers) t.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    // A renewal still running would take back the leases handed back below.
    await Promise.allSettled([...this.chores.values()]);
    // Hand the runs back at once, so a peer engine need not wait for the leases to lapse.
    await Promise.all([...this.live.keys()].map((id) => this.d.runtime.release(`run:${id}`, this.owner).catch(() => undefined)));
    this.unsubscribe?.();
    this.scheduler.close();
    await this.hub.close();
    await Promise.allSettled([...this.queues.values()]);
  }

  /** Open runs this engine is tracking (for tests and health). */
  tracked(): number {
    return this.live.size;
  }

  /** One chore of each kind at a time; a tick that finds its chore still running is skipped. */
  private async housekeeping(kind: 'renew' | 'rescan', chore: () => Promise<void>): Promise<void> {
    if (this.stopped || this.chores.has(kind)) return;
    const running = (async () => {
      await this.housekeepingWindow();
      if (!this.stopped) await chore();
    })();
    this.chores.set(kind, running);
    try {
      await running;
    } finally {
      this.chores.delete(kind);
    }
  }

  /**
   * Housekeeping (lease renewal, rescans of thousands of rows) waits while a large batch of orders
   * is about to go out or is on the wire, for at most HOUSEKEEPING_MAX_WAIT_MS: at 09:20:00 the
   * CPU belongs to the orders. Leases last three rescan periods, so a late renewal is safe.
   */
  private async housekeepingWindow(): Promise<void> {
    const giveUpAt = Date.now() + HOUSEKEEPING_MAX_WAIT_MS;
    while (!this.stopped && Date.now() < giveUpAt) {
      const busy = this.executor.sending() > 0 || this.scheduler.busyUntil(this.d.clock.now() + HOUSEKEEPING_CLEARANCE_MS, LARGE_BATCH);
      if (!busy) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /**
   * Renew the leases of the runs we hold, a group per round trip, and let go of any another engine
   * holds now. When the renewal itself fails (runtime state unreachable), a run is kept only until
   * its last lease runs out: after that another engine may hold it, and two engines must never act
   * on one run.
   */
  private async renewLeases(): Promise<void> {
    const held = [...this.live];
    for (let i = 0; i < held.length && !this.stopped; i += LEASE_RENEW_GROUP) {
      const group = held.slice(i, i + LEASE_RENEW_GROUP);
      const asked = Date.now();
      let renewed: boolean[] | null = null;
      try {
        renewed = await this.d.runtime.claimMany(group.map(([id]) => `run:${id}`), this.owner, this.o.leaseMs);
      } catch (e) {
        this.d.log.warn({ err: String(e) }, 'could not renew run leases');
      }
      group.forEach(([id, t], k) => {
        if (this.live.get(id) !== t) return;
        if (renewed?.[k]) {
          t.leaseUntil = Math.max(t.leaseUntil, asked + this.o.leaseMs);
          return;
        }
        // Not renewed this time: kept only while the last lease still holds, with a margin.
        if (!renewed && Date.now() < t.leaseUntil - LEASE_SAFETY_MS) return;
        this.d.log.warn({ runId: id }, 'no longer holding the lease on a run; letting go of it');
        this.forget(t);
      });
    }
  }

  private async periodicRescan(): Promise<void> {
    this.rescans += 1;
    const full = this.rescans % Math.max(1, Math.round(this.o.leaseMs / this.o.rescanEveryMs)) === 0;
    await this.rescan(full ? undefined : this.d.clock.now() + 2 * this.o.prewarmMs + this.o.rescanEveryMs);
  }

  private claim(runId: string): Promise<boolean> {
    return this.d.runtime.claim(`run:${runId}`, this.owner, this.o.leaseMs).catch(() => false);
  }

  private async rescan(dueBy: number | undefined): Promise<void> {
    if (this.stopped) return;
    try {
      // Ids first: after a burst, thousands of open runs are already tracked here, and reading
      // their whole rows every few seconds only to skip them cost more than the arming itself.
      const untracked = (await this.d.runs.openIds(dueBy === undefined ? {} : { dueBy })).filter((id) => !this.live.has(id));
      for (let from = 0; from < untracked.length && !this.stopped; from += RESCAN_CHUNK) {
        const recs = await this.d.runs.byIds(untracked.slice(from, from + RESCAN_CHUNK));
        recs.sort((a, b) => (a.nextActionAt ?? 0) - (b.nextActionAt ?? 0));
        for (const rec of recs) if (!this.live.has(rec.run.id)) await this.track(rec);
      }
    } catch (e) {
      this.d.log.error({ err: String(e) }, 'rescan of open runs failed');
    }
  }

  private async onCommand(m: unknown): Promise<void> {
    const msg = m as { type?: string; strategyId?: string; runId?: string };
    if (msg.type !== 'strategy.changed' || !msg.strategyId) return;
    const rec = msg.runId ? await this.d.runs.get(msg.runId) : await this.d.runs.latest(msg.strategyId);
    if (rec) await this.track(rec);
  }

  /** Start (or refresh) tracking one run and arrange what its phase needs. */
  private async track(rec: RunRecord): Promise<void> {
    let kind = this.kinds.get(rec.brokerAccountId);
    if (!kind) {
      try {
        kind = await this.d.directory.kindOf(rec.userId, rec.brokerAccountId);
      } catch {
        kind = 'paper';
      }
      this.kinds.set(rec.brokerAccountId, kind);
    }
    const existing = this.live.get(rec.run.id);
    if (existing && existing.rec.version >= rec.version) return;
    // Only the engine holding a run's lease acts on it.
    const asked = Date.now();
    if (!existing && !isTerminalPhase(rec.run.phase) && !(await this.claim(rec.run.id))) return;
    const t: Tracked = existing ?? { rec, kind, key: priceKey(kind, rec.instrument), watching: false, driving: false, prewarmed: null, prepared: null, entryReady: null, entryFailures: 0, exitFailures: 0, exitIntent: null, broker: null, exitPrepared: false, exitPreparing: null, stopping: false, leaseUntil: asked + this.o.leaseMs };
    t.rec = rec;
    this.live.set(rec.run.id, t);
    this.plan(t);
  }

  private plan(t: Tracked): void {
    const { run } = t.rec;
    const id = run.id;
    const now = this.d.clock.now();
    const bookKey = t.key;
    if (isTerminalPhase(run.phase)) return this.forget(t);
    switch (run.phase) {
      case 'WAITING_BUY': {
        if (now > run.buyAt + this.o.entryGraceMs) {
          this.runDue(`${id}:buy`, id, () => this.lateEntry(t));
          return;
        }
        // Spread prewarms over a window so thousands of strategies due together do not prepare in one instant.
        const prewarmAt = run.buyAt - this.o.prewarmMs - Math.floor(Math.random() * this.o.prewarmMs);
        this.scheduler.schedule(`${id}:prewarm`, Math.max(now, prewarmAt), () => {
          t.prewarmed = this.prewarm(t);
          t.prepared ??= this.executor.prepareEntry(t.rec).catch((e: unknown) => {
            this.d.log.warn({ runId: id, err: String(e) }, 'could not prepare the entry intent; the buy takes the slow path');
            return null;
          });
          void this.buildEntry(t);
        });
        // A last warm-up just before the buy: a broker front end that drops idle connections after
        // a few seconds would otherwise leave the pool empty at the very instant it is needed.
        if (run.buyAt - REWARM_LEAD_MS > Math.max(now, prewarmAt)) this.scheduler.schedule(`${id}:rewarm`, run.buyAt - REWARM_LEAD_MS, () => void this.rewarm(t));
        this.scheduler.schedule(`${id}:buy`, run.buyAt, () => this.runDue(`${id}:buy`, id, () => this.buyNow(id)));
        return;
      }
      case 'BUYING':
        this.watch(t);
        return this.drive(t, 'enter');
      case 'BOUGHT': {
        this.watch(t);
        this.book(bookKey).upsert(id, run.stopLossPaise);
        if (!t.exitPrepared) {
          t.exitPrepared = true;
          const preparing: Promise<void> = this.prepareExit(t).finally(() => {
            if (t.exitPreparing === preparing) t.exitPreparing = null;
          });
          t.exitPreparing = preparing;
        }
        const exitAt = Math.min(run.sellAt, run.squareOffAt);
        this.scheduler.schedule(`${id}:exit`, exitAt, () => this.runDue(`${id}:exit`, id, () => this.timedExit(id)));
        // The price may already be through the stop (a fill below it, or a restart mid-fall).
        const last = this.hub.lastPriceAt(t.key);
        if (last && last.paise <= run.stopLossPaise) this.stopHit(t, last.paise);
        return;
      }
      case 'SELLING':
        this.books.get(bookKey)?.remove(id);
        this.scheduler.cancel(`${id}:exit`);
        return this.drive(t, 'exit');
      default:
        return;
    }
  }

  private forget(t: Tracked): void {
    const id = t.rec.run.id;
    this.scheduler.cancel(`${id}:prewarm`);
    this.scheduler.cancel(`${id}:rewarm`);
    this.scheduler.cancel(`${id}:buy`);
    this.scheduler.cancel(`${id}:exit`);
    this.scheduler.cancel(`${id}:stop`);
    const key = t.key;
    this.books.get(key)?.remove(id);
    this.awaitingBooks.get(key)?.remove(id);
    if (t.watching) {
      this.watchers.get(key)?.delete(id);
      this.hub.unwatch(t.kind, t.rec.instrument);
      t.watching = false;
    }
    this.live.delete(id);
    void this.d.runtime.release(`run:${id}`, this.owner).catch(() => undefined);
  }

  private watch(t: Tracked): void {
    if (t.watching) return;
    t.watching = true;
    const key = t.key;
    let w = this.watchers.get(key);
    if (!w) {
      w = new Map();
      this.watchers.set(key, w);
    }
    w.set(t.rec.run.id, t.rec.userId);
    this.hub.watch(t.kind, t.rec.instrument);
  }

  /**
   * Seconds before the buy: subscribe the price, open the broker connection, and check the session,
   * so the buy itself pays no handshake and a dead session skips the day with its reason instead of
   * failing at the broker.
   */
  private async prewarm(t: Tracked): Promise<string | null> {
    this.watch(t);
    try {
      const broker = await this.d.directory.forAccount(t.rec.userId, t.rec.brokerAccountId);
      const [session] = await Promise.all([this.sessionOf(broker), broker.warmUp()]);
      return session.state === 'TOKEN_EXPIRED' ? `Not bought: your broker session had expired (${session.message}). Log in to your broker again.` : null;
    } catch (e) {
      return e instanceof Error && 'code' in e && (e as { code: string }).code === 'BROKER_TOKEN_EXPIRED' ? e.message : null;
    }
  }

  /**
   * Settles, seconds ahead, what the buy needs: the session check, the intent, the broker and the
   * order's request. At the buy, thousands of orders due together then cost a write each, not
   * promise hops, URL, header and body building (and the garbage) on top.
   */
  private async buildEntry(t: Tracked): Promise<void> {
    try {
      const [expired, intent, broker] = await Promise.all([t.prewarmed, t.prepared, this.d.directory.forAccount(t.rec.userId, t.rec.brokerAccountId)]);
      if (expired === null && intent && t.rec.run.phase === 'WAITING_BUY') t.entryReady = { broker, intent, order: broker.prepareOrder?.(intent) ?? null };
    } catch {
      // Best effort: without it the buy takes the path that looks everything up.
    }
  }

  private async rewarm(t: Tracked): Promise<void> {
    try {
      await (await this.d.directory.forAccount(t.rec.userId, t.rec.brokerAccountId)).warmUp();
    } catch {
      // Best effort: the buy opens a connection itself if it must.
    }
  }

  /**
   * One session check per broker account per prewarm window, however many of its strategies buy
   * at once (a trader with five strategies at 09:20:00 needs one call, not five).
   */
  private sessionOf(broker: Broker): Promise<SessionState> {
    const hit = this.sessionChecks.get(broker);
    if (hit && this.d.clock.now() - hit.at < this.o.prewarmMs * 2) return hit.state;
    const state = broker.validateSession();
    this.sessionChecks.set(broker, { at: this.d.clock.now(), state });
    return state;
  }

  /**
   * A due action (the buy, the timed exit) whose write failed, a database hiccup say, is tried
   * again shortly for as long as the run is ours: the job that fired is gone, and nothing else
   * would bring the SELL at the sell time back. Safe to repeat: each action re-checks the run's
   * phase, and an order that left for the broker is settled by its own loop, which does not throw.
   * Synchronous failures are caught too, so one never lands in the dispatch of everyone due with us.
   */
  private runDue(key: string, runId: string, action: () => Promise<void> | undefined, failures = 0): void {
    try {
      action()?.catch((e: unknown) => this.dueFailed(key, runId, action, failures, e));
    } catch (e) {
      this.dueFailed(key, runId, action, failures, e);
    }
  }

  private dueFailed(key: string, runId: string, action: () => Promise<void> | undefined, failures: number, e: unknown): void {
    this.d.log.error({ runId, job: key, failures: failures + 1, err: e instanceof Error ? e.message : String(e) }, 'a due action failed; trying it again');
    if (this.stopped || !this.live.has(runId)) return;
    const wait = Math.min(DUE_RETRY_MAX_MS, DUE_RETRY_FIRST_MS * 2 ** failures);
    this.scheduler.schedule(key, this.d.clock.now() + wait, () => this.runDue(key, runId, action, failures + 1));
  }

  /**
   * The buy time. When prewarm settled everything and the feed's price is fresh, the entry is
   * decided and sent right here, with no await in front of it; otherwise the buy looks up what is
   * missing first (buyDueLookingUp).
   */
  private buyNow(runId: string): Promise<void> | undefined {
    const t = this.live.get(runId);
    if (!t || t.rec.run.phase !== 'WAITING_BUY' || t.driving) return undefined;
    // Taken once, whatever happens next: a built order is never sent twice.
    const ready = t.entryReady;
    t.entryReady = null;
    // The broker opened at prewarm only while it is still the account's (a re-login replaces it).
    const price = ready && this.d.directory.openNow(t.rec.userId, t.rec.brokerAccountId) === ready.broker ? this.feedPrice(t) : null;
    if (ready && price !== null) return this.decideBuy(t, ready.broker, ready.intent, { type: 'BUY_DUE', lastPricePaise: price }, ready.order);
    return this.buyDueLookingUp(t, ready);
  }

  private async buyDueLookingUp(t: Tracked, ready: EntryReady | null): Promise<void> {
    const [expired, prepared] = await Promise.all([t.prewarmed, t.prepared]);
    if (expired) return this.skipEntry(t, prepared, expired);
    let broker: Broker;
    try {
      broker = await this.d.directory.forAccount(t.rec.userId, t.rec.brokerAccountId);
    } catch (e) {
      return this.skipEntry(t, prepared, e instanceof Error ? e.message : String(e));
    }
    // An entry intent that was already there (written by an earlier life of the engine) may have
    // been sent: ask the broker before deciding anything, the price check included.
    if (!prepared && (await this.executor.entryAtBroker(broker, await this.executor.entryCandidates(t.rec.run.id)))) return this.adoptEntry(t);
    const due: RunEvent = { type: 'BUY_DUE', lastPricePaise: await this.priceNow(t, broker) };
    await this.decideBuy(t, broker, prepared, due, ready?.broker === broker ? ready.order : null);
  }

  /**
   * Taken over (a restart, another engine's run) after its entry window: skipped, unless an earlier
   * life's BUY is at the broker, which is then adopted and protected like any position. Until the
   * broker can be asked, nothing is decided (runDue tries again), up to the day's cutoff.
   */
  private async lateEntry(t: Tracked): Promise<void> {
    const runId = t.rec.run.id;
    // This life's own entry is on the wire: its loop decides, not a second look.
    if (t.driving) return;
    const candidates = await this.executor.entryCandidates(runId);
    if (!candidates.length) return this.missedWindow(runId, null);
    try {
      const broker = await this.d.directory.forAccount(t.rec.userId, t.rec.brokerAccountId);
      if (await this.executor.entryAtBroker(broker, candidates)) return this.adoptEntry(t);
    } catch (e) {
      if (this.d.clock.now() < t.rec.run.squareOffAt) throw e;
      const reason = `Could not ask the broker about a BUY sent before a restart: ${e instanceof Error ? e.message : String(e)}`;
      // The BUY may be at the broker: the trader must look.
      this.alert(t.rec.userId, { code: 'ENTRY_UNCONFIRMED', strategy_id: t.rec.run.strategyId, run_id: runId, message: `${reason}. Check your broker for an open position.` });
      await this.apply(runId, { type: 'ENTRY_FAILED', reason });
      return;
    }
    return this.missedWindow(runId, null);
  }

  /**
   * The broker has this run's BUY: BUYING whatever the price or the hour now, and the entry loop
   * (started by the phase change) finds the order by tag and settles it; never a second send.
   */
  private async adoptEntry(t: Tracked): Promise<void> {
    this.d.log.warn({ runId: t.rec.run.id }, 'found a BUY at the broker from before a restart; adopting it');
    await this.apply(t.rec.run.id, { type: 'BUY_DUE', lastPricePaise: null });
  }

  /** A buy whose broker session is not usable: skipped with the reason, its intent marked never sent. */
  private async skipEntry(t: Tracked, prepared: OrderIntent | null, message: string): Promise<void> {
    await this.apply(t.rec.run.id, { type: 'ENTRY_SKIPPED', reason: 'BROKER_TOKEN_EXPIRED', message });
    if (prepared) await this.executor.discardPrepared(prepared, 'the broker session had expired');
  }

  /**
   * Decides the BUY_DUE in memory: only one that leads to BUYING may send. The fast path sends the
   * prepared entry FIRST (synchronously, before this returns) and records the phase change while
   * the order is on the wire; crash between the two and recovery finds the prepared intent and asks
   * the broker for its tag before sending anything. Without a prepared intent (e.g. a restart near
   * the buy time) BUYING is committed first, then the entry is sent.
   */
  private decideBuy(t: Tracked, broker: Broker, prepared: OrderIntent | null, due: RunEvent, built: PreparedOrder | null): Promise<void> | undefined {
    const runId = t.rec.run.id;
    const decided = tryTransition(t.rec.run, due, this.d.clock.now())?.phase;
    if (!decided) return undefined;
    // However late this callback runs (an overloaded process), a BUY past its window is never sent.
    if (decided === 'BUYING' && this.d.clock.now() > t.rec.run.buyAt + this.o.entryGraceMs) return this.missedWindow(runId, prepared);
    const breaker = this.breaker(t.kind);
    if (decided === 'BUYING' && prepared && breaker.allow() && !t.driving && t.rec.run.phase === 'WAITING_BUY') {
      t.driving = true;
      const result = this.executor.send(broker, prepared, built ?? undefined);
      // Sent: from here on the intent counts as inherited, so any later look at this buy asks the
      // broker first and never sends it again.
      t.prepared = null;
      return this.afterEntrySent(t, broker, breaker, prepared, due, result);
    }
    return this.applyDue(runId, prepared, due);
  }

  private async missedWindow(runId: string, prepared: OrderIntent | null): Promise<void> {
    await this.apply(runId, { type: 'ENTRY_SKIPPED', reason: 'MISSED_WINDOW', message: 'Not bought: missed entry window' });
    if (prepared) await this.executor.discardPrepared(prepared, 'the buy window had passed');
  }

  private async applyDue(runId: string, prepared: OrderIntent | null, due: RunEvent): Promise<void> {
    const after = await this.apply(runId, due);
    if (prepared && after && after.run.phase !== 'BUYING') await this.executor.discardPrepared(prepared, after.run.reason ?? after.run.phase);
  }

  /** An entry on the wire: its bookkeeping, once the burst's other orders are out. */
  private async afterEntrySent(t: Tracked, broker: Broker, breaker: CircuitBreaker, prepared: OrderIntent, due: RunEvent, result: Promise<PlaceResult>): Promise<void> {
    const runId = t.rec.run.id;
    const bookKey = t.key;
    let release: (() => void) | undefined;
    let broke = false;
    try {
      // The phase change is written once the broker has answered and the burst's other orders
      // are out, so the database work never competes with orders still queued for a connection. A crash before
      // it leaves a prepared intent, which recovery looks up by tag before sending anything.
      const sent = await result.catch(() => null);
      await this.scheduler.idle();
      await this.executor.sendsSettled();
      // The order is at the broker; its phase change is written in a bookkeeping slot, seconds
      // later after a burst. Until then the trader would read "waiting to buy" for an order
      // already placed: the live state says BUYING now.
      if (sent?.kind === 'ACCEPTED') this.announceBuying(t);
      // Runs get through their bookkeeping a bounded number at a time, each to the end: ten
      // thousand runs all queueing their writes at once would arm every stop-loss only when the
      // last write lands. An order still working at the first look gives its slot back.
      const awaiting = this.book(bookKey, this.awaitingBooks);
      awaiting.upsert(runId, t.rec.run.stopLossPaise);
      // The price may have gone through the stop while the order was on the wire.
      const last = this.hub.lastPriceAt(t.key);
      const slot = this.entryBookkeeping.acquire(runId);
      if (last && last.paise <= t.rec.run.stopLossPaise) this.entryBookkeeping.promote(runId);
      release = await slot;
      awaiting.remove(runId);
      if ((await result).kind === 'ACCEPTED') {
        // The usual case: BUY_DUE is written together with the entry's first outcome (its fill,
        // mostly), one write instead of two; a stop committed meanwhile is found there and the
        // entry undone (see enter).
        const buying = tryTransition(t.rec.run, due, this.d.clock.now());
        if (buying?.phase === 'BUYING') return await this.executor.enter({ ...t.rec, run: buying }, broker, breaker, { intent: prepared, result, onWaiting: release, leading: due });
      }
      const rec = await this.apply(runId, due);
      if (!rec || rec.run.phase !== 'BUYING') {
        this.d.log.warn({ runId, phase: rec?.run.phase }, 'the run changed while its entry was on the wire; undoing the entry');
        release();
        await this.executor.flattenOrphanEntry(t.rec, broker, prepared, result);
        return;
      }
      await this.executor.enter(rec, broker, breaker, { intent: prepared, result, onWaiting: release });
    } catch (e) {
      this.d.log.error({ runId, err: e instanceof Error ? e.message : String(e) }, 'fast entry failed');
      broke = true;
    } finally {
      release?.();
      this.loopEnded(t);
      if (broke) this.scheduler.schedule(`${runId}:buy`, this.d.clock.now() + DUE_RETRY_FIRST_MS, () => this.runDue(`${runId}:buy`, runId, () => this.resumeSentEntry(t)));
    }
  }

  /**
   * This life sent the entry and its bookkeeping broke (a failed write, a lookup the broker could
   * not answer): carry on from what the database and the broker say, never sending it again.
   */
  private async resumeSentEntry(t: Tracked): Promise<void> {
    if (t.driving || this.live.get(t.rec.run.id) !== t) return;
    if (t.rec.run.phase === 'BUYING') return this.drive(t, 'enter');
    if (t.rec.run.phase !== 'WAITING_BUY') return;
    const broker = await this.d.directory.forAccount(t.rec.userId, t.rec.brokerAccountId);
    if (await this.executor.entryAtBroker(broker, await this.executor.entryCandidates(t.rec.run.id))) return this.adoptEntry(t);
    // The broker never got it: decided as at a restart (the entry loop sends the next attempt
    // inside the window, or skips the day).
    await this.apply(t.rec.run.id, { type: 'BUY_DUE', lastPricePaise: await this.priceNow(t, broker) });
  }

  /**
   * BUYING on the live stream and in the runtime state, before the database has it (the event log
   * gets BUY_DUE with the fill). Only the live views: recovery reads the prepared intent and asks
   * the broker, whatever these say.
   */
  private announceBuying(t: Tracked): void {
    const { run } = t.rec;
    if (run.phase !== 'WAITING_BUY') return;
    const ts = this.d.clock.now();
    void this.d.runtime.setRun(run.id, { phase: 'BUYING', last_action: 'BUY_DUE', updated_at: String(ts) }).catch(() => undefined);
    void this.d.bus.publish(userTopic(t.rec.userId), phaseMessage(run, run.phase, 'BUYING', 'BUY_DUE', ts, {})).catch(() => undefined);
  }

  /** The feed's price when it is fresh enough for the buy-time stop check, else null. */
  private feedPrice(t: Tracked): Paise | null {
    const fromFeed = this.hub.lastPriceAt(t.key);
    return fromFeed && this.d.clock.now() - fromFeed.ts < this.o.feedStaleMs ? fromFeed.paise : null;
  }

  /** The freshest price for the buy-time stop check: the feed, else one quick REST read. */
  private async priceNow(t: Tracked, broker: Broker): Promise<Paise | null> {
    const fresh = this.feedPrice(t);
    if (fresh !== null) return fresh;
    const fromFeed = this.hub.lastPriceAt(t.key);
    try {
      const m = await Promise.race([broker.ltp([t.rec.instrument]), this.d.clock.sleep(300).then(() => null)]);
      const p = m?.get(t.rec.instrument);
      if (p !== undefined) return p;
    } catch {
      // fall through to the last known price
    }
    return fromFeed?.paise ?? null;
  }

  private async timedExit(runId: string): Promise<void> {
    const t = this.live.get(runId);
    if (!t || t.rec.run.phase !== 'BOUGHT') return;
    const last = this.hub.lastPriceAt(t.key)?.paise ?? null;
    const event: RunEvent = t.rec.run.sellAt <= t.rec.run.squareOffAt ? { type: 'SELL_TIME_DUE', lastPricePaise: last } : { type: 'SQUARE_OFF_DUE', lastPricePaise: last };
    await this.apply(runId, event);
  }

  /**
   * In position: open the broker and write the exit intent now, so a crossing tick can send the
   * SELL at once. When an exit intent already exists (a previous life of the engine may have sent
   * it on a stop), ask the broker for it: if it is there, the stop already fired — finish that exit.
   */
  private async prepareExit(t: Tracked): Promise<void> {
    try {
      t.broker = await this.d.directory.forAccount(t.rec.userId, t.rec.brokerAccountId);
      t.exitIntent = await this.executor.prepareExit(t.rec);
      if (t.exitIntent) return;
      for (const i of await this.d.intents.forRun(t.rec.run.id)) {
        if (i.leg !== 'EXIT') continue;
        const o = await t.broker.findOrder({ tag: i.clientOrderId }).catch(() => null);
        if (o && t.rec.run.phase === 'BOUGHT') {
          this.d.log.warn({ runId: t.rec.run.id, tag: i.clientOrderId }, 'found an exit at the broker from before a restart; completing it');
          await this.apply(t.rec.run.id, { type: 'STOP_LOSS_HIT', lastPricePaise: o.averagePricePaise ?? t.rec.run.stopLossPaise });
          return;
        }
      }
    } catch (e) {
      // The slow path (write, then send) still protects the position.
      this.d.log.warn({ runId: t.rec.run.id, err: e instanceof Error ? e.message : String(e) }, 'could not prepare the exit');
    }
  }

  /**
   * A tick crossed the stop. Fast path: the prepared SELL leaves first and the phase change is
   * committed while it is on the wire, then the executor settles that very order (never a second
   * one). Without a prepared intent: commit SELLING first, then send.
   */
  private stopHit(t: Tracked, price: number): void {
    // The planner and a tick can both see one crossing: one decision at a time per run.
    if (t.stopping) return;
    const event: RunEvent = { type: 'STOP_LOSS_HIT', lastPricePaise: paise(price) };
    if (!t.exitIntent && t.exitPreparing && t.rec.run.phase === 'BOUGHT') {
      // The position has only just opened and its exit intent is being written: waiting for it
      // (and for the entry loop to finish) lets the SELL leave before any write, sooner than the
      // slow path's writes in front of it.
      t.stopping = true;
      void t.exitPreparing.then(() => {
        t.stopping = false;
        this.stopHit(t, price);
      });
      return;
    }
    const intent = t.exitIntent;
    const broker = t.broker;
    if (intent && broker && !t.driving && t.rec.run.phase === 'BOUGHT') {
      if (tryTransition(t.rec.run, event, this.d.clock.now())?.phase === 'SELLING') {
        t.driving = true;
        t.stopping = true;
        t.exitIntent = null;
        const result = this.executor.send(broker, intent);
        void (async () => {
          let broke = false;
          try {
            const rec = (await this.apply(t.rec.run.id, event)) ?? (await this.d.runs.get(t.rec.run.id));
            if (rec) await this.executor.exit(rec, broker, { intent, result });
          } catch (e) {
            this.d.log.error({ runId: t.rec.run.id, err: e instanceof Error ? e.message : String(e) }, 'fast stop-loss exit failed');
            broke = true;
          } finally {
            t.stopping = false;
            // Still SELLING: loopEnded starts the exit loop again. Still BOUGHT (the stop was never
            // written): it is written again until it lands, and the exit loop then finds the SELL
            // already sent by its tag.
            this.loopEnded(t);
            const id = t.rec.run.id;
            if (broke && t.rec.run.phase === 'BOUGHT') {
              // Its own job: the timed exit stays scheduled beside it.
              this.scheduler.schedule(`${id}:stop`, this.d.clock.now() + DUE_RETRY_FIRST_MS, () => this.runDue(`${id}:stop`, id, () => this.recordSentStop(t, event)));
            }
          }
        })();
        return;
      }
    }
    t.stopping = true;
    void this.apply(t.rec.run.id, event)
      .catch((e: unknown) => this.d.log.error({ runId: t.rec.run.id, err: e instanceof Error ? e.message : String(e) }, 'could not record a stop-loss; the next crossing tick tries again'))
      .finally(() => {
        t.stopping = false;
        // Not applied and still in position: back in the book, so the next crossing tries again.
        if (this.live.get(t.rec.run.id) === t && t.rec.run.phase === 'BOUGHT') this.book(t.key).upsert(t.rec.run.id, t.rec.run.stopLossPaise);
      });
  }

  /**
   * A stop-loss whose SELL left before its write failed: written again (runDue) until it lands. If
   * it no longer applies (the plan changed meanwhile), the run is planned afresh: back in the stop
   * book with its timed exit, and any exit loop finds the SELL already sent by its tag.
   */
  private async recordSentStop(t: Tracked, event: RunEvent): Promise<void> {
    if (t.rec.run.phase !== 'BOUGHT' || this.live.get(t.rec.run.id) !== t) return;
    if (!(await this.apply(t.rec.run.id, event)) && t.rec.run.phase === 'BOUGHT') this.plan(t);
  }

  /** Hot path: one Map lookup and one comparison for a tick that crosses nothing. */
  private onTick(tick: HubTick): void {
    const key = priceKey(tick.kind, tick.instrument);
    const book = this.books.get(key);
    if (book && book.highestStop >= tick.ltpPaise) {
      for (const runId of book.takeCrossed(tick.ltpPaise)) {
        const t = this.live.get(runId);
        if (t) this.stopHit(t, tick.ltpPaise);
      }
    }
    const awaiting = this.awaitingBooks.get(key);
    if (awaiting && awaiting.highestStop >= tick.ltpPaise) for (const runId of awaiting.takeCrossed(tick.ltpPaise)) this.entryBookkeeping.promote(runId);
    const now = tick.receivedTs;
    if (now - (this.lastPush.get(key) ?? 0) < this.o.pricePushEveryMs) return;
    this.lastPush.set(key, now);
    void this.d.runtime.setLastPrice(tick.instrument, tick.ltpPaise, now).catch(() => undefined);
    if (!this.watchers.get(key)?.size) return;
    void this.d.bus.publish(priceTopic(tick.kind, tick.instrument), { type: 'price', instrument: tick.instrument, ltp: tick.ltpPaise / 100, ts: now, polled: tick.polled }).catch(() => undefined);
  }

  private onFeedAlert(a: HubAlert): void {
    const users = new Set<string>();
    for (const id of a.instruments) for (const u of this.watchers.get(priceKey(a.kind, id))?.values() ?? []) users.add(u);
    this.d.log.warn({ kind: a.kind, code: a.code, instruments: a.instruments.length }, a.message);
    for (const u of users) this.alert(u, { code: a.code, message: a.message });
  }

  private alert(userId: string, body: Record<string, unknown>): void {
    void this.d.bus.publish(userTopic(userId), { type: 'alert', alert: body, ts: this.d.clock.now() }).catch(() => undefined);
  }

  /** Run an executor loop for the run's order, one at a time per run. */
  private drive(t: Tracked, what: 'enter' | 'exit'): void {
    if (t.driving || this.stopped) return;
    t.driving = true;
    let broke: unknown = null;
    void (async () => {
      try {
        const prepared = what === 'exit' ? await this.takeExitIntent(t) : null;
        const broker = await this.d.directory.forAccount(t.rec.userId, t.rec.brokerAccountId);
        if (what === 'enter') await this.executor.enter(t.rec, broker, this.breaker(t.kind));
        // This life's prepared exit intent, never sent: sent now, with no write in front of it, and
        // no lookup needed to know it is not at the broker yet.
        else if (prepared) await this.executor.exit(t.rec, broker, { intent: prepared, result: this.executor.send(broker, prepared) });
        else await this.executor.exit(t.rec, broker);
        if (what === 'enter') t.entryFailures = 0;
        else t.exitFailures = 0;
      } catch (e) {
        this.d.log.error({ runId: t.rec.run.id, err: e instanceof Error ? e.message : String(e) }, `${what} loop failed`);
        broke = e;
      } finally {
        if (what === 'exit' && broke !== null) {
          void this.exitLoopFailed(t, broke);
        } else {
          // An exit loop that ended with the run still SELLING is tried again shortly.
          this.loopEnded(t, what === 'exit' ? 1_000 : 0);
          if (what === 'enter' && broke !== null) this.entryLoopFailed(t, broke);
        }
      }
    })();
  }

  /**
   * The exit intent this life wrote when the position opened, taken once. It is known never sent;
   * one whose quantity no longer matches the position is marked so, and the loop writes its own.
   */
  private async takeExitIntent(t: Tracked): Promise<OrderIntent | null> {
    const intent = t.exitIntent;
    t.exitIntent = null;
    if (!intent) return null;
    if (intent.quantity === t.rec.run.positionQuantity - t.rec.run.soldQuantity) return intent;
    await this.executor.discardPrepared(intent, 'the position changed before the exit');
    return null;
  }

  /** A broken exit loop: alerted and given up on by the executor's exit rules, else started again in 1 s. */
  private async exitLoopFailed(t: Tracked, e: unknown): Promise<void> {
    t.exitFailures += 1;
    let gaveUp = false;
    try {
      gaveUp = await this.executor.exitBroke(t.rec, t.exitFailures, e);
    } catch (err) {
      this.d.log.error({ runId: t.rec.run.id, err: err instanceof Error ? err.message : String(err) }, 'could not record a failed exit');
    }
    if (gaveUp) {
      t.driving = false;
      return;
    }
    this.loopEnded(t, 1_000);
  }

  /**
   * An entry loop that broke (the broker could not say whether it has our BUY, a write failed)
   * may have bought: failing the run would leave that position unprotected. The run stays BUYING
   * and its loop starts again, backing off, adopting by tag whatever the broker has (never a second
   * send). Only at the day's cutoff does the run fail, with the reason, for the trader to look at.
   */
  private entryLoopFailed(t: Tracked, e: unknown): void {
    const runId = t.rec.run.id;
    if (this.stopped || this.live.get(runId) !== t || t.rec.run.phase !== 'BUYING') return;
    const reason = e instanceof Error ? e.message : String(e);
    if (this.d.clock.now() >= t.rec.run.squareOffAt) {
      void this.apply(runId, { type: 'ENTRY_FAILED', reason }).catch((err: unknown) => this.d.log.error({ runId, err: err instanceof Error ? err.message : String(err) }, 'could not record a failed entry'));
      return;
    }
    t.entryFailures += 1;
    if (t.entryFailures === ENTRY_ALERT_AFTER) this.alert(t.rec.userId, { code: 'ENTRY_UNCONFIRMED', strategy_id: t.rec.run.strategyId, run_id: runId, message: `Could not confirm the BUY with the broker yet: ${reason}. Still trying.` });
    const wait = Math.min(DUE_RETRY_MAX_MS, DUE_RETRY_FIRST_MS * 2 ** t.entryFailures);
    void this.d.clock.sleep(wait).then(() => {
      if (!this.stopped && this.live.get(runId) === t && t.rec.run.phase === 'BUYING') this.drive(t, 'enter');
    });
  }

  /**
   * A loop driving this run (entry, exit, or a fast stop-loss exit) has ended. An exit asked for
   * meanwhile — a stop-loss decided while the entry was finishing, say — found the run driven and
   * could not start its own loop; so whenever the run is still SELLING, an exit loop starts here
   * (after `delayMs`, when the loop that ended was an exit: exits never give up, but do not spin).
   * The one place that clears `driving`, so a loop started by the retry is never marked idle.
   */
  private loopEnded(t: Tracked, delayMs = 0): void {
    t.driving = false;
    const selling = (): Tracked | undefined => {
      const cur = this.stopped ? undefined : this.live.get(t.rec.run.id);
      return cur?.rec.run.phase === 'SELLING' ? cur : undefined;
    };
    // A run that becomes SELLING later gets its loop from that transition; only one SELLING now needs one here.
    const now = selling();
    if (!now) return;
    if (delayMs === 0) return this.drive(now, 'exit');
    void this.d.clock.sleep(delayMs).then(() => {
      const later = selling();
      if (later) this.drive(later, 'exit');
    });
  }

  private breaker(kind: BrokerKind): CircuitBreaker {
    let b = this.breakers.get(kind);
    if (!b) {
      b = new CircuitBreaker(() => this.d.clock.now());
      this.breakers.set(kind, b);
    }
    return b;
  }

  private book(key: string, books = this.books): StopLossBook {
    let b = books.get(key);
    if (!b) {
      b = new StopLossBook();
      books.set(key, b);
    }
    return b;
  }

  /** Events of one run apply strictly one after another in this process. */
  private serial<T>(runId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(runId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.queues.set(runId, settled);
    void settled.then(() => {
      if (this.queues.get(runId) === settled) this.queues.delete(runId);
    });
    return next;
  }

  /**
   * Apply an event with compare-and-set: on a version conflict (the API stopped the strategy, or an
   * edit landed) re-read the run and decide again. An event that no longer applies is dropped, never
   * forced. Returns the run afterwards, or null when nothing was applied.
   */
  apply(runId: string, event: RunEvent, leading?: RunEvent): Promise<RunRecord | null> {
    return this.serial(runId, async () => {
      for (let i = 0; i < 8; i++) {
        const t = this.live.get(runId);
        const rec = t?.rec ?? (await this.d.runs.get(runId));
        if (!rec) return null;
        const now = this.d.clock.now();
        // `leading`, when given, is an earlier event of the run written in the same change.
        const steps: Array<{ run: Run; event: RunEventRecord }> = [];
        try {
          for (const e of leading ? [leading, event] : [event]) steps.push(transition(steps.at(-1)?.run ?? rec.run, e, now));
        } catch (e) {
          if (e instanceof IllegalTransitionError) {
            this.d.log.info({ runId, phase: rec.run.phase, event: event.type, leading: leading?.type }, 'event no longer applies');
            return null;
          }
          throw e;
        }
        const next = steps.at(-1) as { run: Run; event: RunEventRecord };
        const strategy = isTerminalPhase(next.run.phase) ? await this.strategyWriteFor(rec, next.run, now) : undefined;
        const change = { run: next.run, expectedVersion: rec.version, nextActionAt: nextActionAt(next.run), events: steps.map((x) => x.event) };
        // Exit decisions never queue behind the bulk bookkeeping of other runs' fills.
        const written =
          strategy || URGENT_EVENTS.has(event.type) ? await this.d.runs.applyTransition({ ...change, ...(strategy ? { strategy: strategy.write } : {}) }, now) : await this.transitions.add(change);
        if (!written) {
          const fresh = await this.d.runs.get(runId);
          if (!fresh) return null;
          if (t) {
            t.rec = fresh;
            // Someone else moved the run on (a user stop whose message has not reached us, say):
            // what its new phase needs starts here, or a SELLING run would wait for nobody.
            if (fresh.run.phase !== rec.run.phase) this.plan(t);
          }
          continue;
        }
        await this.after(written.run, next.event, rec.run.phase);
        if (written.strategy && strategy?.write.patch.status) {
          // The day's end changes the strategy too (e.g. RUNNING → COMPLETED): tell the app without a re-read.
          await this.d.bus
            .publish(userTopic(written.run.userId), { type: 'strategy.status', strategy_id: written.strategy.id, status: written.strategy.status, reason: written.strategy.reason, ts: now })
            .catch(() => undefined);
        }
        if (strategy?.rearm) await this.rearm(written.run);
        return written.run;
      }
      this.d.log.error({ runId, event: event.type }, 'gave up applying an event after repeated conflicts');
      return null;
    });
  }

  private async strategyWriteFor(rec: RunRecord, run: Run, now: number): Promise<{ write: StrategyWrite; rearm: boolean } | undefined> {
    const s = await this.d.strategies.byId(run.strategyId);
    if (!s || s.status !== 'RUNNING') return undefined;
    const after = statusAfterRun(s.repeat, run);
    if (after.status === s.status && after.reason === s.reason) return after.rearm && !s.deletedAt ? { write: { id: s.id, expectedVersion: s.version, patch: {}, events: [] }, rearm: true } : undefined;
    return {
      rearm: after.rearm,
      write: {
        id: s.id,
        expectedVersion: s.version,
        patch: { status: after.status, reason: after.reason },
        events: [{ ts: now, from: s.status, to: after.status, cause: `RUN_${run.phase}`, details: { run_id: rec.run.id, trading_date: run.tradingDate } }],
      },
    };
  }

  /** A daily strategy gets its next trading day's run as soon as today's ends. */
  private async rearm(ended: RunRecord): Promise<void> {
    const s = await this.d.strategies.byId(ended.run.strategyId);
    if (!s || s.status !== 'RUNNING' || s.repeat !== 'daily') return;
    const now = this.d.clock.now();
    const plan = planRun(this.d.calendar, s, now, ended.run.tradingDate);
    const { run, event } = armRun({ ...plan, id: crypto.randomUUID(), strategyId: s.id }, now);
    const armed = await this.d.runs.arm({ run, event, userId: s.userId, brokerAccountId: s.brokerId, instrument: ended.instrument, nextActionAt: nextActionAt(run) }, now);
    if (armed) await this.track(armed.run);
  }

  /** After a committed transition: live state, the user's stream, and what the new phase needs. */
  private async after(rec: RunRecord, event: RunEventRecord, from: Run['phase']): Promise<void> {
    const { run } = rec;
    const t = this.live.get(run.id);
    if (t) t.rec = rec;
    // What the new phase needs comes first (a stop-loss armed, an exit driven), before the round
    // trips of the live state and the user's stream: after a burst those queue behind thousands.
    if (t && (from !== run.phase || run.phase === 'BOUGHT')) {
      if (from === run.phase && run.phase === 'BOUGHT') {
        // A plan change in position (a new stop-loss): move the entry in the book.
        this.book(t.key).upsert(run.id, run.stopLossPaise);
      } else this.plan(t);
    }
    await this.d.runtime
      .setRun(run.id, {
        phase: run.phase,
        last_action: event.cause,
        last_price_paise: run.lastPricePaise === null ? '' : String(run.lastPricePaise),
        entry_price_paise: run.entryPricePaise === null ? '' : String(run.entryPricePaise),
        exit_price_paise: run.exitPricePaise === null ? '' : String(run.exitPricePaise),
        pnl_paise: run.pnlPaise === null ? '' : String(run.pnlPaise),
        next_action_at: rec.nextActionAt === null ? '' : String(rec.nextActionAt),
        reason: run.reason ?? '',
        updated_at: String(run.updatedAt),
      })
      .catch(() => undefined);
    await this.d.bus.publish(userTopic(rec.userId), phaseMessage(run, from, run.phase, event.cause, event.ts, event.details)).catch(() => undefined);
    if (event.cause === 'BUY_FILLED' || event.cause === 'SELL_FILLED') {
      await this.d.bus
        .publish(userTopic(rec.userId), { type: 'order.fill', strategy_id: run.strategyId, run_id: run.id, side: event.cause === 'BUY_FILLED' ? 'BUY' : 'SELL', details: event.details, ts: event.ts })
        .catch(() => undefined);
    }
    if (run.phase === 'FAILED' && from === 'SELLING') {
      this.alert(rec.userId, { code: 'EXIT_NEEDS_ATTENTION', message: run.reason ?? 'An exit needs your attention', strategy_id: run.strategyId, run_id: run.id });
    }
    if (!t && !isTerminalPhase(run.phase)) await this.track(rec);
  }

  /** For tests: the instrument key a run is booked under. */
  bookSize(kind: BrokerKind, instrument: InstrumentId): number {
    return this.books.get(priceKey(kind, instrument))?.size ?? 0;
  }
}

/** A phase change as `/ws` carries it: one shape for committed transitions and the early BUYING. */
function phaseMessage(run: Run, from: Run['phase'], to: Run['phase'], cause: string, ts: number, details: unknown): Record<string, unknown> {
  return {
    type: 'run.phase',
    strategy_id: run.strategyId,
    run_id: run.id,
    from,
    to,
    cause,
    ts,
    details,
    entry_price: run.entryPricePaise === null ? null : run.entryPricePaise / 100,
    exit_price: run.exitPricePaise === null ? null : run.exitPricePaise / 100,
    pnl: run.pnlPaise === null ? null : run.pnlPaise / 100,
  };
}

/** The run as the event would leave it, decided in memory; null when the event does not apply to it now. */
function tryTransition(run: Run, event: RunEvent, now: number): Run | null {
  try {
    return transition(run, event, now).run;
  } catch {
    return null;
  }
}
