import type { WebSocket } from 'ws';
import type { SimTick } from '@ats/market-sim';

/** One market-data socket of a sim and what it has subscribed (`EXCHANGE:SYMBOL` → broker mode). */
export interface FeedClient<Mode = string> {
  ws: WebSocket;
  subs: Map<string, Mode>;
  account: string | null;
}

/**
 * Fans simulated ticks out to the sockets that subscribed them, in each broker's own binary
 * encoding. Feed silence and socket drops are faults applied here, once for every broker.
 */
export class FeedHub<Mode = string> {
  readonly clients = new Set<FeedClient<Mode>>();
  silent = false;

  constructor(private readonly encode: (t: SimTick, mode: Mode, client: FeedClient<Mode>) => Buffer | string | null) {}

  add(ws: WebSocket, account: string | null): FeedClient<Mode> {
    const c: FeedClient<Mode> = { ws, subs: new Map(), account };
    this.clients.add(c);
    ws.on('close', () => this.clients.delete(c));
    return c;
  }

  publish(t: SimTick): void {
    if (this.silent) return;
    for (const c of this.clients) {
      const mode = c.subs.get(t.key);
      if (mode === undefined || c.ws.readyState !== c.ws.OPEN) continue;
      const frame = this.encode(t, mode, c);
      if (frame !== null) c.ws.send(frame);
    }
  }

  /** Every key subscribed by any client. */
  subscribedKeys(): Set<string> {
    const keys = new Set<string>();
    for (const c of this.clients) for (const k of c.subs.keys()) keys.add(k);
    return keys;
  }

  dropAll(): void {
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
  }
}
