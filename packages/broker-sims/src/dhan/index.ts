import type { WebSocket } from 'ws';
import type { SimTick } from '@ats/market-sim';
import { FeedHub, type FeedClient } from '../core/feed-hub';
import { RateWindow } from '../core/rate-window';
import type { BrokerSimModule, SimContext, UpgradeDecision } from '../core/sim-server';
import type { Http1Request } from '../core/http1-server';
import { dhanLtt, encodeDhanDisconnect, encodeDhanFull, encodeDhanPrevClose, encodeDhanQuote, encodeDhanTicker, type DhanSimQuoteFields } from './dhan-feed-encoder';
import { DHAN_SIM_ACCESS_TOKEN, DHAN_SIM_CLIENT_ID } from './dhan-sim-accounts';
import { DHAN_FEED_SEGMENT, DhanSecurities, type DhanSecurity } from './dhan-securities';
import { registerDhanRoutes, type DhanRestState } from './dhan-rest-routes';
import { DH904, DH908 } from './dhan-wire';

export * from './dhan-sim-accounts';
export * from './dhan-feed-encoder';
export { DhanSecurities, DHAN_FEED_SEGMENT } from './dhan-securities';

type DhanMode = 'ticker' | 'quote' | 'full';
const SUBSCRIBE: Record<number, DhanMode> = { 15: 'ticker', 17: 'quote', 21: 'full' };
const UNSUBSCRIBE: Record<number, DhanMode> = { 16: 'ticker', 18: 'quote', 22: 'full' };
/** The pre-issued token's JWT `exp` (2099-01-01), honoured by the sim too. */
const PRE_ISSUED_EXPIRES_AT = 4_070_908_800_000;

/** Dhan feed disconnect reasons (annexure): token expired, authentication failed. */
const REASON_TOKEN_EXPIRED = 807;
const REASON_AUTH_FAILED = 808;
const REASON_TOO_MANY_INSTRUMENTS = 804;
const REASON_INVALID_REQUEST = 814;
const MAX_INSTRUMENTS_PER_SOCKET = 5000;
const MAX_PER_MESSAGE = 100;

function quoteFields(sec: DhanSecurity, t: { paise: number; ts: number; volume: number }, ctx: SimContext): DhanSimQuoteFields {
  const q = ctx.market.quote(sec.key);
  return {
    ltp: t.paise / 100,
    ltq: 1,
    ltt: dhanLtt(t.ts),
    atp: (q.high + q.low + q.paise) / 300,
    volume: t.volume,
    totalSellQty: 1000,
    totalBuyQty: 1200,
    open: q.open / 100,
    close: q.close / 100,
    high: q.high / 100,
    low: q.low / 100,
  };
}

function encodeFor(sec: DhanSecurity, mode: DhanMode, t: { paise: number; ts: number; volume: number }, ctx: SimContext): Buffer {
  const seg = DHAN_FEED_SEGMENT[sec.segment];
  const id = Number(sec.securityId);
  if (mode === 'ticker') return encodeDhanTicker(seg, id, t.paise / 100, dhanLtt(t.ts));
  const q = quoteFields(sec, t, ctx);
  if (mode === 'quote') return encodeDhanQuote(seg, id, q);
  const tick = sec.inst.tickSizePaise;
  const depth = Array.from({ length: 5 }, (_, i) => ({
    bidQty: 100 * (i + 1),
    askQty: 90 * (i + 1),
    bidOrders: i + 1,
    askOrders: i + 2,
    bid: (t.paise - tick * (i + 1)) / 100,
    ask: (t.paise + tick * (i + 1)) / 100,
  }));
  return encodeDhanFull(seg, id, { ...q, oi: 0, oiHigh: 0, oiLow: 0, depth });
}

/**
 * The Dhan (DhanHQ v2) fake server: api.dhan.co and auth.dhan.co paths on one port, the compact
 * scrip master, and the live market feed (JSON requests in, little-endian binary packets out).
 */
export function createDhanSim(): BrokerSimModule {
  const securities = new DhanSecurities();
  const state: DhanRestState = { securities, orderRate: new RateWindow(10), quoteRate: new RateWindow(1), extra: new Map() };
  let simCtx: SimContext | null = null;
  const hub = new FeedHub<DhanMode>((t: SimTick, mode) => {
    const sec = securities.forKey(t.key);
    return sec && simCtx ? encodeFor(sec, mode, t, simCtx) : null;
  });

  const issuePreIssuedToken = (): void => {
    if (simCtx) simCtx.tokens.issue(DHAN_SIM_CLIENT_ID, PRE_ISSUED_EXPIRES_AT - simCtx.now(), DHAN_SIM_ACCESS_TOKEN);
  };

  const onRequest = (client: FeedClient<DhanMode>, ws: WebSocket, text: string, ctx: SimContext): void => {
    let msg: { RequestCode?: unknown; InstrumentCount?: unknown; InstrumentList?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      ws.send(encodeDhanDisconnect(REASON_INVALID_REQUEST));
      ws.close();
      return;
    }
    const code = Number(msg.RequestCode);
    if (code === 12) {
      ws.close();
      return;
    }
    const sub = SUBSCRIBE[code];
    const unsub = UNSUBSCRIBE[code];
    const list = Array.isArray(msg.InstrumentList) ? (msg.InstrumentList as Array<Record<string, unknown>>) : null;
    if ((!sub && !unsub) || !list || list.length > MAX_PER_MESSAGE) {
      ws.send(encodeDhanDisconnect(REASON_INVALID_REQUEST));
      ws.close();
      return;
    }
    const found = list.map((i) => securities.find(String(i.ExchangeSegment ?? ''), String(i.SecurityId ?? ''))).filter((s): s is DhanSecurity => s !== undefined);
    if (unsub) {
      for (const s of found) if (client.subs.get(s.key) === unsub) client.subs.delete(s.key);
      return;
    }
    if (client.subs.size + found.length > MAX_INSTRUMENTS_PER_SOCKET) {
      ws.send(encodeDhanDisconnect(REASON_TOO_MANY_INSTRUMENTS));
      ws.close();
      return;
    }
    // Dhan answers a subscribe with prev-close plus the current packet; several packets share one message.
    const frames: Buffer[] = [];
    for (const s of found) {
      client.subs.set(s.key, sub as DhanMode);
      const q = ctx.market.quote(s.key);
      frames.push(encodeDhanPrevClose(DHAN_FEED_SEGMENT[s.segment], Number(s.securityId), q.close / 100));
      frames.push(encodeFor(s, sub as DhanMode, { paise: q.paise, ts: ctx.now(), volume: q.volume }, ctx));
    }
    if (frames.length > 0 && !hub.silent) ws.send(Buffer.concat(frames));
  };

  return {
    name: 'dhan',
    idPrefix: '52260',
    register(router, ctx) {
      simCtx = ctx;
      issuePreIssuedToken();
      registerDhanRoutes(router, ctx, state);
    },
    upgrade(req: Http1Request, ctx: SimContext): UpgradeDecision {
      // Dhan accepts the handshake and reports bad credentials with a disconnect packet.
      const q = new URL(req.url ?? '/', 'http://sim').searchParams;
      const t = ctx.tokens.lookup(q.get('token'));
      return { ok: true, account: t.kind === 'ok' && q.get('clientId') === t.account ? t.account : null };
    },
    onConnection(ws, req, account, ctx) {
      if (account === null) {
        const q = new URL(req.url ?? '/', 'http://sim').searchParams;
        const expired = ctx.tokens.lookup(q.get('token')).kind === 'expired';
        ws.send(encodeDhanDisconnect(expired ? REASON_TOKEN_EXPIRED : REASON_AUTH_FAILED));
        ws.close();
        return;
      }
      const client = hub.add(ws, account);
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        onRequest(client, ws, Buffer.isBuffer(data) ? data.toString('utf8') : String(data), ctx);
      });
    },
    onTick: (t) => hub.publish(t),
    subscribedKeys: () => hub.subscribedKeys(),
    setFeedSilent(silent) {
      hub.silent = silent;
    },
    dropFeeds: () => hub.dropAll(),
    isOrderPlacement: (method, path) => method === 'POST' && path === '/v2/orders',
    rateLimitedResponse: DH904,
    serverErrorResponse: DH908,
    reset() {
      state.orderRate.reset();
      state.quoteRate.reset();
      state.extra.clear();
      issuePreIssuedToken();
    },
  };
}
