/**
 * Faults a test can inject through `/_sim/faults`. Counters are consumed one per matching request,
 * so "N timeouts" means exactly the next N order placements.
 */
export interface FaultSpec {
  /** added to every broker REST response (ms) */
  latencyMs?: number;
  /** next N order placements: the order IS accepted, but the response never comes */
  timeouts?: number;
  /** next N order placements: answer 5xx without placing anything */
  errors5xx?: number;
  /** next N order-book/order lookups answer 5xx */
  lookupErrors5xx?: number;
  /** next N REST calls answer the broker's 429 */
  rateLimited?: number;
  /** next N order placements are rejected with `rejectMessage` */
  rejects?: number;
  rejectMessage?: string;
  /** next N MARKET orders fill only `partialFillRatio` of the quantity and stay open */
  partialFills?: number;
  partialFillRatio?: number;
  /** MARKET orders stay open this long before filling (ms); 0 fills at once */
  fillDelayMs?: number;
  /** the market-data socket stops sending ticks (the connection stays up) */
  feedSilent?: boolean;
  /** how long a hung response holds the socket before destroying it (ms) */
  hangMs?: number;
}

export class Faults {
  spec: Required<FaultSpec> = Faults.none();

  static none(): Required<FaultSpec> {
    return {
      latencyMs: 0,
      timeouts: 0,
      errors5xx: 0,
      lookupErrors5xx: 0,
      rateLimited: 0,
      rejects: 0,
      rejectMessage: 'Insufficient funds. Required margin is 95417.84 but available margin is 74251.80.',
      partialFills: 0,
      partialFillRatio: 0.5,
      fillDelayMs: 0,
      feedSilent: false,
      hangMs: 30_000,
    };
  }

  set(patch: FaultSpec): void {
    this.spec = { ...this.spec, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
  }

  clear(): void {
    this.spec = Faults.none();
  }

  /** Consume one unit of a counted fault; true when it applies to this request. */
  take(name: 'timeouts' | 'errors5xx' | 'lookupErrors5xx' | 'rateLimited' | 'rejects' | 'partialFills'): boolean {
    if (this.spec[name] > 0) {
      this.spec[name] -= 1;
      return true;
    }
    return false;
  }
}
