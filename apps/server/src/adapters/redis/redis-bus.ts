import { once } from 'node:events';
import type { Redis } from 'ioredis';
import type { Bus, Unsubscribe } from '../../ports/bus';

/**
 * Bus over Redis pub/sub, so an event raised by any engine process reaches the WebSocket of the
 * API process the user is connected to. Needs its own connection for subscribing.
 */
export class RedisBus implements Bus {
  private readonly handlers = new Map<string, Set<(m: unknown) => void>>();

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly prefix = 'ats:bus:',
  ) {
    this.sub.on('message', (channel: string, raw: string) => {
      const set = this.handlers.get(channel);
      if (!set) return;
      let msg: unknown;
      try {
        msg = JSON.parse(raw);
      } catch {
        return;
      }
      for (const fn of set) {
        try {
          fn(msg);
        } catch {
          // isolate subscribers from each other
        }
      }
    });
  }

  async publish(topic: string, message: unknown): Promise<void> {
    await this.pub.publish(this.prefix + topic, JSON.stringify(message));
  }

  async subscribe(topic: string, fn: (m: unknown) => void): Promise<Unsubscribe> {
    const channel = this.prefix + topic;
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      // A SUBSCRIBE sent before the connection is ready collides with ioredis's own ready check
      // (INFO is refused in subscriber mode) and the subscription is silently lost.
      if (this.sub.status !== 'ready') await once(this.sub, 'ready');
      await this.sub.subscribe(channel);
    }
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) {
        this.handlers.delete(channel);
        void this.sub.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await this.sub.quit().catch(() => undefined);
    await this.pub.quit().catch(() => undefined);
  }
}
