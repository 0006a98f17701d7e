import { WebSocket, type RawData } from 'ws';
import type { FeedState } from '../../ports/market-feed';

export interface ReconnectingSocketOptions {
  /** Builds the URL and headers fresh on each attempt (tokens may have been refreshed). */
  target: () => { url: string; headers?: Record<string, string> };
  onOpen: (ws: WebSocket) => void;
  onMessage: (data: RawData, isBinary: boolean) => void;
  onState: (s: FeedState, detail?: string) => void;
  /** app-level keep-alive the broker expects (e.g. Angel's text "ping"), sent every `pingEveryMs` */
  ping?: { message: string | Buffer; everyMs: number };
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * A market-data WebSocket that reconnects with capped exponential backoff plus jitter, so a broker
 * outage does not become a reconnect storm from thousands of engines at once.
 */
export class ReconnectingSocket {
  private ws: WebSocket | null = null;
  private closed = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private firstOpen: { resolve: () => void; reject: (e: Error) => void } | null = null;

  constructor(private readonly opts: ReconnectingSocketOptions) {}

  /** Resolves on the first successful open; later drops reconnect in the background. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.firstOpen = { resolve, reject };
      this.open();
    });
  }

  send(data: string | Buffer): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(data);
    return true;
  }

  isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((r) => {
        ws.once('close', () => r());
        ws.terminate();
      });
    }
    this.opts.onState('CLOSED');
  }

  private open(): void {
    if (this.closed) return;
    this.opts.onState('CONNECTING');
    const { url, headers } = this.opts.target();
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    this.ws = ws;
    ws.on('open', () => {
      this.attempt = 0;
      this.opts.onState('CONNECTED');
      this.opts.onOpen(ws);
      if (this.opts.ping) {
        const { message, everyMs } = this.opts.ping;
        this.pingTimer = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(message), everyMs);
        this.pingTimer.unref();
      }
      this.firstOpen?.resolve();
      this.firstOpen = null;
    });
    ws.on('message', (data, isBinary) => this.opts.onMessage(data, isBinary));
    ws.on('unexpected-response', (_req, res) => {
      const detail = `handshake refused: HTTP ${res.statusCode} ${String(res.headers['x-error-message'] ?? '')}`.trim();
      this.opts.onState('DISCONNECTED', detail);
      if (this.firstOpen && res.statusCode && res.statusCode >= 400 && res.statusCode < 500) {
        // Credentials are wrong: retrying will not fix it, so fail the first connect loudly.
        this.firstOpen.reject(new Error(detail));
        this.firstOpen = null;
        this.closed = true;
      }
      ws.terminate();
    });
    ws.on('error', () => {
      // 'close' follows and drives the reconnect.
    });
    ws.on('close', () => {
      if (this.pingTimer) clearInterval(this.pingTimer);
      this.pingTimer = null;
      if (this.closed || this.ws !== ws) return;
      this.opts.onState('DISCONNECTED');
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    const min = this.opts.minBackoffMs ?? 250;
    const max = this.opts.maxBackoffMs ?? 15_000;
    const base = Math.min(max, min * 2 ** this.attempt);
    this.attempt += 1;
    const delay = base / 2 + Math.random() * (base / 2);
    this.retryTimer = setTimeout(() => this.open(), delay);
    this.retryTimer.unref();
  }
}
