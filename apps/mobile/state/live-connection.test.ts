import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StrategyStatusResponse } from '@ats/contracts';
import { BACKOFF_MAX_MS, LiveConnection, POLL_INTERVAL_MS, backoffDelay, toSocketUrl, type SocketLike } from './live-connection';
import { initialLiveState, liveReducer, type LiveAction, type LiveState } from './live-status';

class FakeSocket implements SocketLike {
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  onmessage: SocketLike['onmessage'] = null;
  closedWith: number | null = null;
  constructor(readonly url: string) {}
  close(code?: number) {
    this.closedWith = code ?? 1000;
  }
  open() {
    this.onopen?.({});
  }
  drop(code = 1006) {
    this.onclose?.({ code });
  }
  push(data: unknown) {
    this.onmessage?.({ data: JSON.stringify(data) });
  }
}

const S1 = '11111111-1111-4111-8111-111111111111';
const statusBody: StrategyStatusResponse = {
  status: 'RUNNING',
  phase: 'BOUGHT',
  last_action: 'BUY_FILLED',
  last_price: 100,
  entry_price: 100,
  exit_price: null,
  pnl: null,
  next_action_at: null,
  reason: null,
  updated_at: '2026-11-25T10:00:05.000Z',
};

function harness() {
  let state: LiveState = initialLiveState;
  const sockets: FakeSocket[] = [];
  const polled: string[] = [];
  const authRejected = vi.fn(async () => undefined);
  let token = 'tok-1';
  const conn = new LiveConnection({
    socketUrl: async () => toSocketUrl('http://127.0.0.1:8000', token),
    openSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    dispatch: (a: LiveAction) => {
      state = liveReducer(state, a);
    },
    watchedIds: () => [S1],
    pollStatus: async (id) => {
      polled.push(id);
      return statusBody;
    },
    authRejected,
    random: () => 1,
  });
  return {
    conn,
    sockets,
    polled,
    authRejected,
    state: () => state,
    setToken: (t: string) => {
      token = t;
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('live connection', () => {
  it('builds the ws URL with the access token, keeping a path prefix', () => {
    expect(toSocketUrl('https://ats.example.com/api/', 'a.b.c')).toBe('wss://ats.example.com/api/ws?access_token=a.b.c');
    expect(toSocketUrl('http://127.0.0.1:8000', 'x')).toBe('ws://127.0.0.1:8000/ws?access_token=x');
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffDelay(0, () => 0)).toBe(500);
    expect(backoffDelay(0, () => 1)).toBe(1000);
    expect(backoffDelay(3, () => 1)).toBe(8000);
    expect(backoffDelay(50, () => 1)).toBe(BACKOFF_MAX_MS);
  });

  it('goes live on open, stops polling, and feeds messages to the reducer', async () => {
    const h = harness();
    h.conn.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.state().connection).toBe('connecting');
    expect(h.sockets[0]?.url).toBe('ws://127.0.0.1:8000/ws?access_token=tok-1');
    h.sockets[0]?.open();
    expect(h.state().connection).toBe('live');
    const pollsWhenLive = h.polled.length;
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS * 3);
    expect(h.polled.length).toBe(pollsWhenLive);
    h.sockets[0]?.push({ type: 'run.phase', strategy_id: S1, phase: 'BOUGHT' });
    h.sockets[0]?.onmessage?.({ data: 'not json' });
    expect(h.state().strategies[S1]?.phase).toBe('BOUGHT');
  });

  it('when the socket drops: shows reconnecting, polls every 5 s, reconnects with backoff and a fresh token', async () => {
    const h = harness();
    h.conn.start();
    await vi.advanceTimersByTimeAsync(0);
    h.sockets[0]?.open();
    h.polled.length = 0;

    h.setToken('tok-2');
    h.sockets[0]?.drop();
    expect(h.state().connection).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.polled).toEqual([S1]); // an immediate poll, so the screen is fresh at once
    expect(h.state().strategies[S1]?.phase).toBe('BOUGHT');

    await vi.advanceTimersByTimeAsync(1_000); // first backoff step (random=1 → full 1 s)
    expect(h.sockets).toHaveLength(2);
    expect(h.sockets[1]?.url).toContain('access_token=tok-2');
    h.sockets[1]?.drop();
    await vi.advanceTimersByTimeAsync(1_999);
    expect(h.sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.sockets).toHaveLength(3);

    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
    expect(h.polled.length).toBeGreaterThanOrEqual(2);
    h.sockets[2]?.open();
    expect(h.state().connection).toBe('live');
    const n = h.polled.length;
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS * 2);
    expect(h.polled.length).toBe(n);
  });

  it('polls while the socket has never connected (server without /ws)', async () => {
    const h = harness();
    h.conn.start();
    await vi.advanceTimersByTimeAsync(0);
    h.sockets[0]?.drop(1006);
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS * 3);
    expect(h.polled.length).toBeGreaterThanOrEqual(3);
    expect(h.state().connection).toBe('reconnecting');
  });

  it('asks for a token refresh when the server refuses the socket', async () => {
    const h = harness();
    h.conn.start();
    await vi.advanceTimersByTimeAsync(0);
    h.sockets[0]?.drop(4401);
    expect(h.authRejected).toHaveBeenCalledTimes(1);
  });

  it('stop closes the socket and no timer fires afterwards', async () => {
    const h = harness();
    h.conn.start();
    await vi.advanceTimersByTimeAsync(0);
    h.sockets[0]?.drop();
    h.conn.stop();
    const polls = h.polled.length;
    await vi.advanceTimersByTimeAsync(BACKOFF_MAX_MS * 2);
    expect(h.sockets).toHaveLength(1);
    expect(h.polled.length).toBe(polls);
    expect(h.state().connection).toBe('idle');
  });
});
