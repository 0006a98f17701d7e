import type { Bus, Unsubscribe } from '../../ports/bus';

/** Bus for embedded mode: synchronous fan-out inside this process. */
export class InProcessBus implements Bus {
  private readonly topics = new Map<string, Set<(m: unknown) => void>>();

  publish(topic: string, message: unknown): Promise<void> {
    for (const fn of this.topics.get(topic) ?? []) {
      try {
        fn(message);
      } catch {
        // One failing subscriber (a closed socket) must not starve the others.
      }
    }
    return Promise.resolve();
  }

  subscribe(topic: string, fn: (m: unknown) => void): Promise<Unsubscribe> {
    let set = this.topics.get(topic);
    if (!set) {
      set = new Set();
      this.topics.set(topic, set);
    }
    set.add(fn);
    return Promise.resolve(() => {
      set.delete(fn);
      if (set.size === 0) this.topics.delete(topic);
    });
  }

  close(): Promise<void> {
    this.topics.clear();
    return Promise.resolve();
  }
}
