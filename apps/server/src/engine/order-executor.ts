import { randomUUID } from 'node:crypto';
import { clientOrderId } from '../domain/client-order-id';
import type { BrokerOrder, OrderIntent, OrderLeg, PlaceResult } from '../domain/order';
import type { Paise } from '../domain/price';
import type { Run, RunEvent } from '../domain/run-state-machine';
import type { Broker, PreparedOrder } from '../ports/broker';
import type { Clock } from '../ports/clock';
import type { NewOrderIntent, OrderIntentRecord, OrderIntentStore, OrderOutcome, RunRecord } from '../ports/strategy-store';
import type { CircuitBreaker } from './circuit-breaker';
import { GroupWriter } from './group-writer';
import { OrderLookupUnavailableError } from './order-lookup-error';

export interface ExecutorLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ExecutorOptions {
  /** how long after buy time an entry may still be sent */
  entryGraceMs: number;
  /** most transient failures an entry tolerates before the run is skipped */
  entryMaxAttempts: number;
  /** how long to wait for a MARKET order to complete before treating what filled as final */
  fillWaitMs: number;
  /** lookups of an ambiguous order by tag before deciding it never arrived */
  ambiguousLookups: number;
  ambiguousLookupGapMs: number;
  /** failed lookups of one tag (errors, not "no such order") before the loop gives up for now */
  lookupFailureTries: number;
  /** exit retry backoff */
  exitBackoffMs: { first: number; max: number };
  /** exits keep trying this long past the square-off cutoff before asking the trader */
  exitGraceAfterCutoffMs: number;
  /** an alert goes out after this many failed exit attempts */
  exitAlertAfter: number;
  /** bookkeeping after an order waits at most this long for the other orders in flight (see sendsSettled) */
  busyMaxMs: number;
}

export const DEFAULT_EXECUTOR_OPTIONS: ExecutorOptions = {
  entryGraceMs: 5_000,
  entryMaxAttempts: 3,
  fillWaitMs: 5_000,
  ambiguousLookups: 3,
  ambiguousLookupGapMs: 300,
  lookupFailureTries: 5,
  exitBackoffMs: { first: 250, max: 5_000 },
  exitGraceAfterCutoffMs: 60_000,
  exitAlertAfter: 3,
  busyMaxMs: 1_000,
};

export interface ExecutorHooks {
  /**
   * Apply a run event, after `leading` when given (an event decided earlier and written together
   * with this one); returns the run as it is afterwards, or null when the events no longer apply.
   */
  emit(runId: string, event: RunEvent, leading?: RunEvent): Promise<RunRecord | null>;
  alert(rec: RunRecord, code: string, message: string): void;
}

/** An intent that may have reached the broker: neither refused by it nor known never sent. */
function mayBeAtBroker(i: OrderIntentRecord): boolean {
  return i.status !== 'CANCELLED' && i.status !== 'REJECTED';
}

/** The outcome of following one order to its end. */
type Settled = { filled: number; avg: Paise | null; status: BrokerOrder['status']; message: string | null; brokerOrderId: string };

/**
 * Sends entries and exits. For every order: write the intent (deterministic tag) first, then send,
 * then confirm the fill with the broker. An ambiguous send is resolved by asking the broker for the
 * tag before anything is sent again, so a lost response never becomes a second order.
 */
export class OrderExecutor {
  constructor(
    private readonly intents: OrderIntentStore,
    private readonly clock: Clock,
    private readonly hooks: ExecutorHooks,
    private readonly log: ExecutorLog,
    private readonly o: ExecutorOptions = DEFAULT_EXECUTOR_OPTIONS,
  ) {}

  /**
   * Intents written ahead of their send (entries at prewarm, exits when the position opens):
   * thousands come due within seconds of each other, so they are written in groups.
   */
  private readonly prepared = new GroupWriter<NewOrderIntent, boolean>(async (list) => {
    const written = await this.intents.insertMany(list, this.clock.now());
    // A tag asked for twice in one group was written once: only its first asker owns the send.
    return list.map((i) => written.delete(i.clientOrderId));
  });

  /**
   * Sent marks not yet written: they wait for sending to quiet down (see sendsSettled) and are
   * written together, one write per busy period. A mark lost in a crash is harmless: recovery
   * finds the order by tag, and marks it then.
   */
  private unmarked: Array<{ clientOrderId: string; at: number }> = [];
  private marking = false;

  /**
   * Entry outcomes, written in groups: after a burst, thousands of buys settle within a second or
   * two, and one statement per fill stood between each position and its stop-loss being armed.
   */
  private readonly entryOutcomes = new GroupWriter<{ clientOrderId: string; outcome: OrderOutcome; at: number }, boolean>(
    (list) => this.intents.recordOutcomes(list),
    1_000,
  );

  /** orders sent and not yet answered */
  private inFlight = 0;
  /** the current busy period's shared wait (see sendsSettled) */
  private quiet: { promise: Promise<void>; release: () => void } | null = null;

  /**
   * Write the first entry intent ahead of the buy time (at prewarm), so that at the buy time the
   * order goes out with no database write in front of it. Returns the intent when THIS call wrote
   * it (and so knows it was never sent); null when it already existed — a previous life of the
   * engine may have sent it, so the buy must look it up by tag first.
   */
  async prepareEntry(rec: RunRecord): Promise<OrderIntent | null> {
    const intent = this.intentFor(rec, 'ENTRY', 1, rec.run.quantity, 'BUY at buy time');
    const created = await this.prepared.add({ ...intent, id: randomUUID(), userId: rec.userId, strategyId: rec.run.strategyId });
    return created ? intent : null;
  }

  /**
   * Send an order. The sent mark is not awaited: the broker call must not wait for the database,
   * and if the mark is lost in a crash the recovery lookup by tag finds the order anyway. `built`,
   * the same intent's request built ahead (Broker.prepareOrder), is sent instead of building it now.
   */
  send(broker: Broker, intent: OrderIntent, built?: PreparedOrder): Promise<PlaceResult> {
    const at = this.clock.now();
    this.inFlight += 1;
    const result = built && built.intent === intent ? built.send() : broker.placeOrder(intent);
    // Shared callbacks, no closure per order: at a burst this runs ten thousand times in a row.
    result.then(this.answered, this.answered);
    this.markSent(intent.clientOrderId, at);
    return result;
  }

  private readonly answered = (): void => {
    this.inFlight -= 1;
    if (this.inFlight === 0) this.quiet?.release();
  };

  /** The order left (or, found at the broker, must have left) at `at`: its mark is written once sending quiets down. */
  private markSent(clientOrderId: string, at: number): void {
    this.unmarked.push({ clientOrderId, at });
    if (this.marking) return;
    this.marking = true;
    void this.sendsSettled().then(this.writeSentMarks);
  }

  private readonly writeSentMarks = (): void => {
    this.marking = false;
    const marks = this.unmarked;
    this.unmarked = [];
    this.intents.markSentMany(marks).catch((e: unknown) => this.log.warn({ marks: marks.length, err: String(e) }, 'could not mark intents sent'));
  };

  /** Orders sent and not yet answered. */
  sending(): number {
    return this.inFlight;
  }

  /**
   * Bookkeeping yields to sending: resolves once no order is waiting for its broker's answer, or
   * after `busyMaxMs` of continuous traffic. At a burst of thousands of buys due together, the
   * database writes that follow each answer would otherwise compete with the orders still queued
   * for a connection. One shared timer per busy period, however many wait.
   */
  sendsSettled(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    if (!this.quiet) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      const q = {
        promise,
        release: () => {
          cancel();
          if (this.quiet === q) this.quiet = null;
          resolve();
        },
      };
      const cancel = this.clock.at(this.clock.now() + this.o.busyMaxMs, () => q.release());
      this.quiet = q;
    }
    return this.quiet.promise;
  }

  /**
   * Write the first exit intent as soon as the position exists, so the stop-loss SELL can leave
   * the moment a tick crosses the stop, before any database write. Same rule as entries: returned
   * only when THIS call wrote it.
   */
  async prepareExit(rec: RunRecord): Promise<OrderIntent | null> {
    const qty = rec.run.positionQuantity - rec.run.soldQuantity;
    if (qty <= 0) return null;
    const intent = this.intentFor(rec, 'EXIT', 1, qty, 'SELL (prepared when the position opened)');
    const created = await this.prepared.add({ ...intent, id: randomUUID(), userId: rec.userId, strategyId: rec.run.strategyId });
    return created ? intent : null;
  }

  /** A prepared entry that will never be sent (the run was skipped or stopped first). */
  async discardPrepared(intent: OrderIntent, reason: string): Promise<void> {
    await this.intents.recordOutcome(intent.clientOrderId, { status: 'CANCELLED', message: `Not sent: ${reason}` }, this.clock.now());
  }

  /**
   * Drive a BUYING run until its entry is filled, refused or given up. `first` is an entry already
   * on its way (the fast path sent a prepared intent the moment the buy time came). `first.leading`
   * is the run's BUY_DUE when it has not been written yet (given with an accepted entry, whose first
   * outcome is always emitted at once): it is written with that outcome, one write instead of two,
   * and if it no longer applies by then (the trader stopped the strategy meanwhile) whatever the
   * entry bought is undone.
   */
  async enter(
    rec: RunRecord,
    broker: Broker,
    breaker: CircuitBreaker,
    first?: { intent: OrderIntent; result: Promise<PlaceResult>; onWaiting?: () => void; leading?: RunEvent },
  ): Promise<void> {
    const run = rec.run;
    const deadline = run.buyAt + this.o.entryGraceMs;
    let attempt: number;
    let transientFailures = 0;
    let leading = first?.leading;
    let refused = false;
    const emit = async (e: RunEvent): Promise<RunRecord | null> => {
      const lead = leading;
      leading = undefined;
      const after = await this.hooks.emit(run.id, e, lead);
      if (lead && !after) refused = true;
      return after;
    };
    if (first) {
      attempt = first.intent.attempt;
      const outcome = await this.onEntryResult(rec, broker, breaker, first.intent, await first.result, first.onWaiting, emit);
      if (refused) return this.flattenOrphanEntry(rec, broker, first.intent, first.result);
      if (outcome === 'done') return;
      transientFailures += 1;
    } else {
      // Recovery: an earlier attempt of this entry may already be at the broker.
      const adopted = await this.adoptExisting(rec, broker, 'ENTRY');
      if (adopted === 'done') return;
      attempt = adopted;
    }
    while (transientFailures < this.o.entryMaxAttempts) {
      if (this.clock.now() > deadline) break;
      if (!breaker.allow()) {
        // Entries wait for an open breaker, but only inside their grace window.
        const wake = Math.min(breaker.retryAt(), deadline + 1);
        await this.clock.sleep(Math.max(1, wake - this.clock.now()));
        continue;
      }
      attempt += 1;
      const intent = this.intentFor(rec, 'ENTRY', attempt, run.quantity, 'BUY at buy time');
      const { created, intent: stored } = await this.intents.insert({ ...intent, id: randomUUID(), userId: rec.userId, strategyId: run.strategyId }, this.clock.now());
      if (!created) {
        // Another process wrote this attempt first: it owns the send. Look, never send.
        const o = await this.lookup(broker, stored.clientOrderId);
        if (o) return this.settleEntry(rec, broker, o, emit);
        continue;
      }
      const outcome = await this.onEntryResult(rec, broker, breaker, intent, await this.send(broker, intent), undefined, emit);
      if (outcome === 'done') return;
      transientFailures += 1;
    }
    await emit({ type: 'ENTRY_SKIPPED', reason: 'MISSED_WINDOW', message: 'Not bought: missed entry window' });
  }

  /**
   * The rare race of the fast path: the entry left for the broker at the buy time, but a user stop
   * committed first, so the run ended without a position. Whatever the broker filled is ours to
   * undo: cancel the rest and sell what filled, so no unprotected position is left behind.
   */
  async flattenOrphanEntry(rec: RunRecord, broker: Broker, intent: OrderIntent, result: Promise<PlaceResult>): Promise<void> {
    const r = await result;
    let order: BrokerOrder | null = null;
    if (r.kind === 'ACCEPTED') order = (await broker.findOrder({ tag: intent.clientOrderId }).catch(() => null)) ?? pendingOrder(intent, r.brokerOrderId);
    else if (r.kind === 'AMBIGUOUS') order = await this.lookup(broker, intent.clientOrderId, this.o.ambiguousLookups);
    if (!order) {
      await this.intents.recordOutcome(intent.clientOrderId, { status: r.kind === 'REJECTED' ? 'REJECTED' : 'CANCELLED', message: 'Not filled: the strategy was stopped at the buy time' }, this.clock.now());
      return;
    }
    const s = await this.follow(broker, order, rec);
    await this.intents.recordOutcome(intent.clientOrderId, { status: s.status, brokerOrderId: s.brokerOrderId, filledQuantity: s.filled, averagePricePaise: s.avg, message: s.message }, this.clock.now());
    if (s.filled === 0) return;
    this.hooks.alert(rec, 'ENTRY_RACED_STOP', `The strategy was stopped just as its BUY went out; selling the ${s.filled} shares that filled`);
    for (let attempt = 1; attempt <= 20; attempt++) {
      const exit = this.intentFor(rec, 'EXIT', attempt, s.filled, 'undo a BUY that raced a user stop');
      const { created } = await this.intents.insert({ ...exit, id: randomUUID(), userId: rec.userId, strategyId: rec.run.strategyId }, this.clock.now());
      const prior = created ? null : await this.lookup(broker, exit.clientOrderId);
      const placed = prior ? null : await this.send(broker, exit);
      const sent = prior ?? (placed?.kind === 'ACCEPTED' ? pendingOrder(exit, placed.brokerOrderId) : placed?.kind === 'AMBIGUOUS' ? await this.lookup(broker, exit.clientOrderId, this.o.ambiguousLookups) : null);
      if (sent) {
        const done = await this.follow(broker, sent, rec);
        await this.intents.recordOutcome(exit.clientOrderId, { status: done.status, brokerOrderId: done.brokerOrderId, filledQuantity: done.filled, averagePricePaise: done.avg }, this.clock.now());
        if (done.filled >= s.filled) return;
      }
      await this.clock.sleep(Math.min(this.o.exitBackoffMs.max, this.o.exitBackoffMs.first * 2 ** attempt));
    }
    this.hooks.alert(rec, 'EXIT_NEEDS_ATTENTION', `Could not sell ${s.filled} shares bought as the strategy was stopped; sell them at your broker`);
  }

  /**
   * What one entry send means: settled ('done'), or a transient failure the caller may retry.
   * `onWaiting` is told before any wait on the broker begins (an order still working at the first
   * look, a lookup after an unknown outcome, a retry).
   */
  private async onEntryResult(
    rec: RunRecord,
    broker: Broker,
    breaker: CircuitBreaker,
    intent: OrderIntent,
    result: PlaceResult,
    onWaiting: (() => void) | undefined,
    emit: (e: RunEvent) => Promise<RunRecord | null>,
  ): Promise<'done' | 'retry'> {
    const run = rec.run;
    if (result.kind === 'ACCEPTED') {
      breaker.success();
      const o = await broker.findOrder({ tag: intent.clientOrderId }).catch(() => null);
      // A MARKET order is usually final at the first look: then one write records it, not two.
      if (!o || o.status === 'PENDING') {
        onWaiting?.();
        await this.intents.recordOutcome(intent.clientOrderId, { status: 'PENDING', brokerOrderId: result.brokerOrderId }, this.clock.now());
      }
      await this.settleEntry(rec, broker, o ?? pendingOrder(intent, result.brokerOrderId), emit);
      return 'done';
    }
    if (result.kind === 'REJECTED') {
      breaker.success();
      await this.intents.recordOutcome(intent.clientOrderId, { status: 'REJECTED', message: result.message }, this.clock.now());
      // A refusal (including an expired session) is final for the day: no retry, the reason kept.
      await emit({ type: 'BUY_REJECTED', code: result.code, message: result.message });
      return 'done';
    }
    breaker.failure();
    // Lookups and retries wait on the broker: no slot is held through them.
    onWaiting?.();
    if (result.kind === 'AMBIGUOUS') {
      this.log.warn({ runId: run.id, tag: intent.clientOrderId, cause: result.cause }, 'entry outcome unknown; looking it up by tag');
      const o = await this.lookup(broker, intent.clientOrderId, this.o.ambiguousLookups);
      if (o) {
        breaker.success();
        await this.settleEntry(rec, broker, o, emit);
        return 'done';
      }
      await this.intents.recordOutcome(intent.clientOrderId, { status: 'CANCELLED', message: `not at broker after: ${result.cause}` }, this.clock.now());
    } else {
      await this.intents.recordOutcome(intent.clientOrderId, { status: 'CANCELLED', message: result.message }, this.clock.now());
    }
    return 'retry';
  }

  /** Drive a SELLING run until the whole position is sold, or the cutoff passes. */
  async exit(rec: RunRecord, broker: Broker, first?: { intent: OrderIntent; result: Promise<PlaceResult> }): Promise<void> {
    let current: RunRecord | null = rec;
    let failures = 0;
    let lastAttempt: number;
    if (first) {
      // The fast path already sent the prepared SELL: settle that one before anything else is sent.
      lastAttempt = first.intent.attempt;
      const settled = await this.settleSent(current, broker, first.intent, await first.result);
      await this.intents.recordOutcome(first.intent.clientOrderId, { status: settled.status, filledQuantity: settled.filled, averagePricePaise: settled.avg, message: settled.message }, this.clock.now());
      const remaining = rec.run.positionQuantity - rec.run.soldQuantity;
      if (settled.filled >= remaining && settled.avg !== null) {
        await this.hooks.emit(rec.run.id, { type: 'SELL_FILLED', filledQuantity: settled.filled, averagePricePaise: settled.avg });
        return;
      }
      failures += 1;
      current = await this.hooks.emit(rec.run.id, {
        type: 'SELL_REJECTED',
        code: settled.status === 'REJECTED' ? 'BROKER_REJECTED' : 'BROKER_UNAVAILABLE',
        message: settled.message ?? 'exit not filled',
        ...(settled.filled > 0 && settled.avg !== null ? { filledQuantity: settled.filled, averagePricePaise: settled.avg } : {}),
      });
    } else {
      const adopted = await this.adoptExisting(rec, broker, 'EXIT');
      if (adopted === 'done') return;
      lastAttempt = adopted;
    }
    let backoff = this.o.exitBackoffMs.first;
    while (current && current.run.phase === 'SELLING') {
      const run: Run = current.run;
      const remaining = run.positionQuantity - run.soldQuantity;
      const deadline = Math.max(run.squareOffAt, run.exitDecidedAt ?? 0) + this.o.exitGraceAfterCutoffMs;
      if (this.clock.now() > deadline) {
        await this.hooks.emit(run.id, { type: 'EXIT_FAILED', reason: 'NEEDS_ATTENTION: the position could not be sold before the cutoff; sell it at your broker' });
        return;
      }
      // Attempts only move forward, so a tag once used is never reused for a different send.
      const attempt = Math.max(run.exitAttempt, lastAttempt + 1);
      lastAttempt = attempt;
      const intent = this.intentFor(current, 'EXIT', attempt, remaining, `SELL (${run.exitCause ?? 'exit'})`);
      const { created, intent: stored } = await this.intents.insert({ ...intent, id: randomUUID(), userId: current.userId, strategyId: run.strategyId }, this.clock.now());
      let settled: Settled | null = null;
      if (!created && stored.status !== 'CANCELLED') {
        const o = await this.lookup(broker, stored.clientOrderId);
        if (o) settled = await this.follow(broker, o, current);
      }
      if (!settled) settled = await this.settleSent(current, broker, intent, await this.send(broker, intent));
      await this.intents.recordOutcome(intent.clientOrderId, { status: settled.status, filledQuantity: settled.filled, averagePricePaise: settled.avg, message: settled.message }, this.clock.now());
      if (settled.filled >= remaining && settled.avg !== null) {
        await this.hooks.emit(run.id, { type: 'SELL_FILLED', filledQuantity: settled.filled, averagePricePaise: settled.avg });
        return;
      }
      failures += 1;
      this.log.warn({ runId: run.id, attempt, failures, message: settled.message }, 'exit attempt did not sell everything; retrying');
      if (failures === this.o.exitAlertAfter) {
        this.hooks.alert(current, 'EXIT_RETRYING', `Selling ${current.instrument} has failed ${failures} times (${settled.message ?? 'no reason given'}); still retrying`);
      }
      current = await this.hooks.emit(run.id, {
        type: 'SELL_REJECTED',
        code: settled.status === 'REJECTED' ? 'BROKER_REJECTED' : 'BROKER_UNAVAILABLE',
        message: settled.message ?? 'exit not filled',
        ...(settled.filled > 0 && settled.avg !== null ? { filledQuantity: settled.filled, averagePricePaise: settled.avg } : {}),
      });
      await this.clock.sleep(backoff);
      backoff = Math.min(this.o.exitBackoffMs.max, backoff * 2);
    }
  }

  /**
   * An exit loop broke (the broker could not say whether it has our SELL, a write failed): the same
   * rules as a failed attempt. The trader hears of it after `exitAlertAfter` broken loops, and past
   * the cutoff's grace the run fails with NEEDS_ATTENTION. Returns true when it gave up; otherwise
   * the caller starts the loop again (which sends nothing before it knows).
   */
  async exitBroke(rec: RunRecord, failures: number, e: unknown): Promise<boolean> {
    const run = rec.run;
    if (this.clock.now() > Math.max(run.squareOffAt, run.exitDecidedAt ?? 0) + this.o.exitGraceAfterCutoffMs) {
      await this.hooks.emit(run.id, { type: 'EXIT_FAILED', reason: 'NEEDS_ATTENTION: the position could not be sold before the cutoff; sell it at your broker' });
      return true;
    }
    if (failures === this.o.exitAlertAfter) {
      this.hooks.alert(rec, 'EXIT_RETRYING', `Selling ${rec.instrument} has failed ${failures} times (${e instanceof Error ? e.message : String(e)}); still retrying`);
    }
    return false;
  }

  /** Follow one sent SELL to its end, whatever the send's outcome was. */
  private async settleSent(rec: RunRecord, broker: Broker, intent: OrderIntent, result: PlaceResult): Promise<Settled> {
    if (result.kind === 'ACCEPTED') {
      const o = await broker.findOrder({ tag: intent.clientOrderId }).catch(() => null);
      if (!o || o.status === 'PENDING') {
        await this.intents.recordOutcome(intent.clientOrderId, { status: 'PENDING', brokerOrderId: result.brokerOrderId }, this.clock.now());
        await this.hooks.emit(rec.run.id, { type: 'SELL_SENT', brokerOrderId: result.brokerOrderId });
      }
      return this.follow(broker, o ?? pendingOrder(intent, result.brokerOrderId), rec);
    }
    if (result.kind === 'AMBIGUOUS') {
      const o = await this.lookup(broker, intent.clientOrderId, this.o.ambiguousLookups);
      if (!o) return { filled: 0, avg: null, status: 'CANCELLED', message: `exit outcome unknown and not at broker: ${result.cause}`, brokerOrderId: '' };
      if (o.status === 'PENDING') await this.hooks.emit(rec.run.id, { type: 'SELL_SENT', brokerOrderId: o.brokerOrderId });
      return this.follow(broker, o, rec);
    }
    return { filled: 0, avg: null, status: result.kind === 'REJECTED' ? 'REJECTED' : 'CANCELLED', message: result.message, brokerOrderId: '' };
  }

  /**
   * Recovery for a leg: find what the broker did with our earlier attempts, by tag, and adopt it.
   * Returns 'done' when an adopted order settled the leg, else the highest attempt already used.
   */
  private async adoptExisting(rec: RunRecord, broker: Broker, leg: OrderLeg): Promise<number | 'done'> {
    const prior = (await this.intents.forRun(rec.run.id)).filter((i) => i.leg === leg).sort((a, b) => b.attempt - a.attempt);
    if (prior.length === 0) return 0;
    const latest = prior[0] as OrderIntentRecord;
    for (const i of prior) {
      if (!mayBeAtBroker(i)) continue;
      const o = await this.lookup(broker, i.clientOrderId);
      if (!o) continue;
      if (leg === 'ENTRY') {
        await this.settleEntry(rec, broker, o);
        return 'done';
      }
      const settled = await this.follow(broker, o, rec);
      await this.intents.recordOutcome(i.clientOrderId, { status: settled.status, filledQuantity: settled.filled, averagePricePaise: settled.avg }, this.clock.now());
      const remaining = rec.run.positionQuantity - rec.run.soldQuantity;
      if (settled.filled >= remaining && settled.avg !== null) {
        await this.hooks.emit(rec.run.id, { type: 'SELL_FILLED', filledQuantity: settled.filled, averagePricePaise: settled.avg });
        return 'done';
      }
    }
    return latest.attempt;
  }

  private async settleEntry(rec: RunRecord, broker: Broker, order: BrokerOrder, emit = (e: RunEvent) => this.hooks.emit(rec.run.id, e)): Promise<void> {
    // BUY_SENT marks an order still working; one already final goes straight to its outcome.
    if (order.status === 'PENDING' && rec.run.entryBrokerOrderId !== order.brokerOrderId) await emit({ type: 'BUY_SENT', brokerOrderId: order.brokerOrderId });
    const s = await this.follow(broker, order, rec);
    await this.entryOutcomes.add({ clientOrderId: order.tag ?? '', outcome: { status: s.status, brokerOrderId: s.brokerOrderId, filledQuantity: s.filled, averagePricePaise: s.avg, message: s.message }, at: this.clock.now() });
    if (s.filled > 0 && s.avg !== null) {
      await emit({ type: 'BUY_FILLED', filledQuantity: s.filled, averagePricePaise: s.avg });
    } else {
      await emit({ type: 'BUY_REJECTED', code: 'BROKER_REJECTED', message: s.message ?? 'The broker did not fill the order' });
    }
  }

  /**
   * Follow an order until it is final. A MARKET order still open after `fillWaitMs` is cancelled,
   * and what filled is what we hold (a partial BUY is then sold in exactly that quantity).
   */
  private async follow(broker: Broker, order: BrokerOrder, rec: RunRecord): Promise<Settled> {
    let o: BrokerOrder = order;
    const until = this.clock.now() + this.o.fillWaitMs;
    let gap = 25;
    while (o.status === 'PENDING' && this.clock.now() < until) {
      await this.clock.sleep(gap);
      gap = Math.min(250, gap * 2);
      o = (await broker.findOrder({ brokerOrderId: o.brokerOrderId }).catch(() => null)) ?? o;
    }
    if (o.status === 'PENDING') {
      this.log.warn({ runId: rec.run.id, brokerOrderId: o.brokerOrderId, filled: o.filledQuantity }, 'order still open; cancelling the remainder');
      await broker.cancelOrder(o.brokerOrderId).catch((e: unknown) => this.log.warn({ err: String(e) }, 'cancel failed'));
      for (let i = 0; i < 10 && o.status === 'PENDING'; i++) {
        await this.clock.sleep(100);
        o = (await broker.findOrder({ brokerOrderId: o.brokerOrderId }).catch(() => null)) ?? o;
      }
    }
    return { filled: o.filledQuantity, avg: o.averagePricePaise, status: o.status, message: o.message, brokerOrderId: o.brokerOrderId };
  }

  /** The run's entry intents that may have reached the broker (neither refused nor known unsent). */
  async entryCandidates(runId: string): Promise<OrderIntentRecord[]> {
    return (await this.intents.forRun(runId)).filter((i) => i.leg === 'ENTRY' && mayBeAtBroker(i));
  }

  /**
   * Is one of these entry intents (from entryCandidates) an order at the broker? Asked like every
   * other look-up (errors retried, a found order marked sent); throws OrderLookupUnavailableError
   * when the broker cannot say: unknown is not "no".
   */
  async entryAtBroker(broker: Broker, candidates: readonly OrderIntentRecord[]): Promise<boolean> {
    for (const i of candidates) if (await this.lookup(broker, i.clientOrderId)) return true;
    return false;
  }

  /**
   * Ask the broker for an order by tag (a few times when the order may still be on its way). Null only when the broker answered "no such order" `tries`
   * times; a failed lookup is no answer, so it is tried again (backing off), and when the broker
   * keeps failing this throws OrderLookupUnavailableError rather than let a caller read "absent"
   * and send a second order, or give up an order the broker has.
   */
  private async lookup(broker: Broker, tag: string, tries = 1): Promise<BrokerOrder | null> {
    let answered = 0;
    let failed = 0;
    for (;;) {
      try {
        const o = await broker.findOrder({ tag });
        if (o) {
          // The broker has it, so it was sent: a crash may have come between the send and its
          // sent mark, and an order at the broker must never be hidden from the trader's list.
          // An earlier mark, when there is one, stands.
          this.markSent(tag, this.clock.now());
          return o;
        }
        answered += 1;
        if (answered >= tries) return null;
      } catch (e) {
        failed += 1;
        this.log.warn({ tag, failed, err: String(e) }, 'order lookup by tag failed');
        if (failed >= this.o.lookupFailureTries) throw new OrderLookupUnavailableError(tag, e instanceof Error ? e.message : String(e));
      }
      await this.clock.sleep(this.o.ambiguousLookupGapMs * 2 ** Math.min(failed, 4));
    }
  }

  private intentFor(rec: RunRecord, leg: OrderLeg, attempt: number, quantity: number, reason: string): OrderIntent {
    return {
      clientOrderId: clientOrderId(rec.run.id, leg, attempt),
      runId: rec.run.id,
      leg,
      attempt,
      side: leg === 'ENTRY' ? 'BUY' : 'SELL',
      instrument: rec.instrument,
      quantity,
      reason,
    };
  }
}

function pendingOrder(intent: OrderIntent, brokerOrderId: string): BrokerOrder {
  return { brokerOrderId, tag: intent.clientOrderId, instrument: intent.instrument, side: intent.side, quantity: intent.quantity, filledQuantity: 0, averagePricePaise: null, status: 'PENDING', message: null, updatedAt: null };
}
