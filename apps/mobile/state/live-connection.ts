import type { StrategyStatusResponse } from '@ats/contracts';
import type { LiveAction } from './live-status';

/** The part of the WebSocket API this class uses, so tests can hand in a fake. */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  close(code?: number): void;
}

export interface LiveConnectionDeps {
  /** the ws(s) URL with a fresh access token; rejects when no session can be had */
  socketUrl(): Promise<string>;
  openSocket(url: string): SocketLike;
  dispatch(action: LiveAction): void;
  /** the strategies on screen or running, polled while the socket is down */
  watchedIds(): string[];
  pollStatus(strategyId: string): Promise<StrategyStatusResponse>;
  /** the server refused the socket's token: let the API client refresh it or end the session */
  authRejected(): Promise<void>;
  now?: () => number;
  random?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

export const POLL_INTERVAL_MS = 5_000;
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;

// 1008 is the standard policy-violation close; 4401/4403 are the app-level "unauthorised" codes.
const AUTH_CLOSE_CODES = new Set([1008, 4001, 4401, 4403]);

/** Exponential backoff with "equal jitter": never below half the step, so a dead server is not hammered. */
export function backoffDelay(attempt: number, random: () => number): number {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
  return Math.round(step / 2 + (step / 2) * random());
}

export function toSocketUrl(httpBase: string, accessToken: string): string {
  const url = new URL(httpBase);
  // A base with a path prefix (a reverse proxy) keeps it.
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/ws`;
  url.search = '';
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('access_token', accessToken);
  return url.toString();
}

/**
 * Keeps the live stream up: one socket, reconnect with backoff, and while it is down a 5 s poll of
 * the watched strategies' status so the screen never freezes on a stale phase.
 */
export class LiveConnection {
  private readonly d: Required<Pick<LiveConnectionDeps, 'now' | 'random' | 'setTimeout' | 'clearTimeout'>> & LiveConnectionDeps;
  private socket: SocketLike | null = null;
  private attempt = 0;
  private reconnectTimer: unknown = null;
  private pollTimer: unknown = null;
  private running = false;
  private live = false;

  constructor(deps: LiveConnectionDeps) {
    this.d = {
      now: Date.now,
      random: Math.random,
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
      ...deps,
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.d.dispatch({ type: 'connection', state: 'connecting' });
    this.startPolling();
    void this.connect();
  }

  stop(): void {
    this.running = false;
    this.live = false;
    if (this.reconnectTimer !== null) this.d.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopPolling();
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.close(1000);
    }
    this.d.dispatch({ type: 'connection', state: 'idle' });
  }

  /** Poll now (e.g. a screen just opened) unless the socket already keeps things fresh. */
  pollSoon(): void {
    if (this.running && !this.live) void this.pollOnce();
  }

  private async connect(): Promise<void> {
    let url: string;
    try {
      url = await this.d.socketUrl();
    } catch {
      this.scheduleReconnect();
      return;
    }
    if (!this.running) return;
    let socket: SocketLike;
    try {
      socket = this.d.openSocket(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.live = true;
      this.stopPolling();
      this.d.dispatch({ type: 'connection', state: 'live' });
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket || typeof ev.data !== 'string') return;
      let message: unknown;
      try {
        message = JSON.parse(ev.data);
      } catch {
        return; // one garbled frame is not a reason to drop the stream
      }
      this.d.dispatch({ type: 'message', message, receivedAt: this.d.now() });
    };
    socket.onerror = () => {
      // Browsers follow every error with a close; the close handler does the work once.
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.live = false;
      if (!this.running) return;
      if (AUTH_CLOSE_CODES.has(ev.code)) void this.d.authRejected().catch(() => undefined);
      this.startPolling();
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    this.d.dispatch({ type: 'connection', state: 'reconnecting' });
    const delay = backoffDelay(this.attempt, this.d.random);
    this.attempt += 1;
    if (this.reconnectTimer !== null) this.d.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = this.d.setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
  }

  private startPolling(): void {
    if (this.pollTimer !== null || !this.running) return;
    void this.pollOnce();
    const tick = () => {
      this.pollTimer = this.d.setTimeout(() => {
        void this.pollOnce().finally(() => {
          if (this.pollTimer !== null) tick();
        });
      }, POLL_INTERVAL_MS);
    };
    tick();
  }

  private stopPolling(): void {
    if (this.pollTimer !== null) this.d.clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  private async pollOnce(): Promise<void> {
    const ids = this.d.watchedIds();
    await Promise.all(
      ids.map(async (id) => {
        try {
          const status = await this.d.pollStatus(id);
          if (!this.live) this.d.dispatch({ type: 'polled', strategyId: id, status, receivedAt: this.d.now() });
        } catch {
          // The next poll tries again; a lost session is handled by the API client.
        }
      }),
    );
  }
}
