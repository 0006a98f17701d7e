/**
 * Per-broker circuit breaker. After `threshold` consecutive transient failures it opens for
 * `coolDownMs`; then one trial call is let through (half-open). Entries consult it and wait inside
 * their grace window while it is open; exits never do, because a position must be closed even if
 * the broker is struggling.
 */
export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;

  constructor(
    private readonly now: () => number,
    private readonly threshold = 5,
    private readonly coolDownMs = 2_000,
  ) {}

  state(): BreakerState {
    if (this.openedAt === null) return 'CLOSED';
    return this.now() - this.openedAt >= this.coolDownMs ? 'HALF_OPEN' : 'OPEN';
  }

  /** May a call that respects the breaker go now? Claims the single half-open trial. */
  allow(): boolean {
    const s = this.state();
    if (s === 'CLOSED') return true;
    if (s === 'HALF_OPEN' && !this.trialInFlight) {
      this.trialInFlight = true;
      return true;
    }
    return false;
  }

  /** When an OPEN breaker will next allow a trial (epoch ms), or now if it already would. */
  retryAt(): number {
    return this.openedAt === null ? this.now() : this.openedAt + this.coolDownMs;
  }

  success(): void {
    this.failures = 0;
    this.openedAt = null;
    this.trialInFlight = false;
  }

  failure(): void {
    this.trialInFlight = false;
    this.failures += 1;
    if (this.openedAt !== null || this.failures >= this.threshold) this.openedAt = this.now();
  }
}
