import type { Bus, Unsubscribe } from '../ports/bus';

/**
 * One socket's price subscriptions: the symbols of its user's running strategies. Kept in step
 * with the user's own stream: a strategy started, stopped or ended re-reads the set. Refreshes
 * that arrive while one is in flight collapse into a single follow-up read.
 */
export class LivePriceSubscriptions {
  private readonly active = new Map<string, Unsubscribe>();
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(
    private readonly bus: Bus,
    private readonly topicsOf: () => Promise<string[]>,
    private readonly deliver: (message: unknown) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.sync(new Set(await this.topicsOf()));
        } while (this.again && !this.closed);
      } catch (e) {
        this.onError(e);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  close(): void {
    this.closed = true;
    for (const un of this.active.values()) un();
    this.active.clear();
  }

  private async sync(wanted: Set<string>): Promise<void> {
    for (const [topic, un] of this.active) {
      if (!wanted.has(topic)) {
        un();
        this.active.delete(topic);
      }
    }
    for (const topic of wanted) {
      if (this.active.has(topic) || this.closed) continue;
      const un = await this.bus.subscribe(topic, this.deliver);
      if (this.closed || this.active.has(topic)) un();
      else this.active.set(topic, un);
    }
  }
}
