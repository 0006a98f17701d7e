import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { SimTick } from '@ats/market-sim';
import { FeedHub, type FeedClient } from '../core/feed-hub';
import type { HttpRouter, SimRequest, SimResponse } from '../core/http-router';
import { RateWindow } from '../core/rate-window';
import type { SimOrder } from '../core/sim-exchange';
import type { BrokerSimModule, SimContext, UpgradeDecision } from '../core/sim-server';
import type { Http1Request } from '../core/http1-server';
import {
  HSM_NO_VALUE,
  HSM_REQ_AUTH,
  HSM_REQ_SUBSCRIBE,
  HSM_REQ_UNSUBSCRIBE,
  hsmDataFrame,
  hsmFrame,
  hsmSnapshotScrip,
  hsmUpdateScrip,
  readHsmRequest,
  readTopicList,
} from './fyers-hsm-encoder';
import { fyersSymbolsFor, symbolMasterCsv, type FyersSimSymbol } from './fyers-sim-instruments';
import { accessTokenPayload, nextFyersExpiry, signSimJwt, verifySimJwt } from './fyers-sim-jwt';

/** The sim's one registered app and user. */
export const FYERS_SIM_APP_ID = 'FYSIM0001-100';
export const FYERS_SIM_SECRET_KEY = 'FYSIMSECRET7Q2';
/** The Fyers client id (`fy_id`) of the sim user; also the sim account id in `/_sim/orders`. */
export const FYERS_SIM_CLIENT_ID = 'XS00001';
export const FYERS_SIM_USER_NAME = 'SIM TRADER';
export const FYERS_SIM_REDIRECT_URI = 'https://trade.fyers.in/api-login/redirect-uri/index.html';
/** Path of the HSM market-data socket, as in the SDK's `HSM_SOCKET`. */
export const FYERS_SIM_HSM_PATH = '/hsm/v1-5/prod';

const ORDERS_PER_SECOND = 10;
const AUTH_CODE_TTL_MS = 5 * 60_000;
const IST_OFFSET_MS = 330 * 60_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

type Json = Record<string, unknown>;

const ok = (body: Json, status = 200): SimResponse => ({ status, body: { s: 'ok', code: 200, message: '', ...body } });
const fail = (status: number, code: number, message: string, extra: Json = {}): SimResponse => ({ status, body: { s: 'error', code, message, ...extra } });

function rupees(paise: number): number {
  return Math.round(paise) / 100;
}

function istParts(ms: number): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const t = new Date(ms + IST_OFFSET_MS);
  return { y: t.getUTCFullYear(), mo: t.getUTCMonth(), d: t.getUTCDate(), h: t.getUTCHours(), mi: t.getUTCMinutes(), s: t.getUTCSeconds() };
}

/** "09-Mar-2023 09:34:38" in IST, as the order book shows it. */
function orderDateTime(ms: number): string {
  const p = istParts(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(p.d)}-${MONTHS[p.mo]}-${p.y} ${two(p.h)}:${two(p.mi)}:${two(p.s)}`;
}

/** Fyers order ids start with the IST trade date (yyMMdd). */
function orderIdPrefix(ms: number): string {
  const p = istParts(ms);
  return `${String(p.y % 100).padStart(2, '0')}${String(p.mo + 1).padStart(2, '0')}${String(p.d).padStart(2, '0')}`;
}

const STATUS_CODE: Record<SimOrder['status'], number> = { CANCELLED: 1, COMPLETE: 2, REJECTED: 5, OPEN: 6 };
const PRODUCT_TYPES = new Set(['CNC', 'INTRADAY', 'MARGIN', 'CO', 'BO', 'MTF']);

interface HsmSub {
  topicId: number;
  topic: string;
  snapshotSent: boolean;
}

interface HsmConn {
  client: FeedClient<HsmSub>;
  /** hsm-note: the server silently ignores the auth frame when the handshake carried Authorization */
  ignoreAuth: boolean;
  nextTopicId: number;
  messageNo: number;
}

/**
 * The Fyers API v3 fake: redirect login with the appIdHash check, orders/sync, the order book with
 * numeric statuses and `1:<tag>` order tags, positions, quotes, symbol-token, the headerless symbol
 * master CSVs, and the HSM binary market-data socket.
 */
export function createFyersSim(): BrokerSimModule {
  const symbols = fyersSymbolsFor([]);
  let byKey = new Map<string, FyersSimSymbol>();
  let byTicker = new Map<string, FyersSimSymbol>();
  let byTopic = new Map<string, FyersSimSymbol>();
  const authCodes = new Map<string, { appId: string; expiresAt: number; used: boolean }>();
  /** access token → app id it was issued to */
  const tokenApps = new Map<string, string>();
  const hsmKeys = new Map<string, string>();
  const conns = new Map<WebSocket, HsmConn>();
  let ctxRef: SimContext | null = null;
  let ackLost = 0;
  let orderRate = new RateWindow(ORDERS_PER_SECOND);

  const sfValues = (s: FyersSimSymbol, ctx: SimContext): number[] => {
    const q = ctx.market.quote(s.key);
    const tick = s.inst.tickSizePaise;
    const nowS = Math.floor(ctx.now() / 1000);
    const circuit = Math.round(q.close * 0.2);
    // Prices go out as raw integers with multiplier 1 and precision 2, i.e. paise for NSE/BSE cash.
    return [
      q.paise,
      q.volume,
      nowS,
      nowS,
      100,
      120,
      Math.max(tick, q.paise - tick),
      q.paise + tick,
      1,
      25_000,
      27_000,
      q.paise,
      HSM_NO_VALUE,
      q.low,
      q.high,
      HSM_NO_VALUE,
      HSM_NO_VALUE,
      q.close - circuit,
      q.close + circuit,
      q.open,
      q.close,
    ];
  };

  const hub = new FeedHub<HsmSub>((t: SimTick, sub, client) => {
    const s = byKey.get(t.key);
    const conn = [...conns.values()].find((c) => c.client === client);
    if (!s || !ctxRef || !conn) return null;
    return encodeScrip(conn, s, sub, ctxRef);
  });

  function encodeScrip(conn: HsmConn, s: FyersSimSymbol, sub: HsmSub, ctx: SimContext): Buffer {
    const values = sfValues(s, ctx);
    conn.messageNo += 1;
    if (!sub.snapshotSent) {
      sub.snapshotSent = true;
      const scrip = hsmSnapshotScrip(sub.topicId, sub.topic, values, {
        multiplier: 1,
        precision: 2,
        exchange: s.inst.exchange,
        exchangeToken: s.exToken,
        symbol: s.ticker.slice(s.ticker.indexOf(':') + 1),
      });
      return hsmDataFrame(conn.messageNo, [scrip]);
    }
    return hsmDataFrame(conn.messageNo, [hsmUpdateScrip(sub.topicId, values)]);
  }

  /** `Authorization: <app_id>:<access_token>` → the sim account, or Fyers' 401. */
  function authorize(req: SimRequest, ctx: SimContext): { account: string } | SimResponse {
    const header = String(req.headers.authorization ?? '');
    const i = header.indexOf(':');
    if (i <= 0) return fail(401, -16, 'Could not authenticate the user');
    const appId = header.slice(0, i);
    const token = header.slice(i + 1);
    if (!verifySimJwt(token)) return fail(401, -15, 'Invalid token provided');
    const found = ctx.tokens.lookup(token);
    if (found.kind === 'unknown' || tokenApps.get(token) !== appId) return fail(401, -16, 'Could not authenticate the user');
    if (found.kind === 'expired') return fail(401, -8, 'Your token has expired. Please generate a token');
    return { account: found.account };
  }

  function authed(handler: (req: SimRequest, ctx: SimContext, account: string) => SimResponse | Promise<SimResponse>) {
    return (req: SimRequest): SimResponse | Promise<SimResponse> => {
      const ctx = ctxRef as SimContext;
      const a = authorize(req, ctx);
      if ('status' in a) return a;
      return handler(req, ctx, a.account);
    };
  }

  function renderOrder(o: SimOrder, ctx: SimContext, slNo: number): Json {
    const s = byKey.get(o.key);
    const name = o.key.slice(o.key.indexOf(':') + 1);
    const status = STATUS_CODE[o.status];
    const lp = ctx.market.has(o.key) ? ctx.market.price(o.key) : 0;
    const close = ctx.market.has(o.key) ? ctx.market.quote(o.key).close : 0;
    const meta = orderMeta.get(o.id);
    return {
      clientId: o.account,
      id: o.id,
      id_fyers: meta?.idFyers ?? '',
      exchOrdId: o.status === 'REJECTED' ? '' : `11000000${o.id.slice(-8)}`,
      qty: o.quantity,
      remainingQuantity: o.quantity - o.filled,
      filledQty: o.filled,
      discloseQty: 0,
      limitPrice: rupees(meta?.limitPaise ?? 0),
      stopPrice: 0,
      tradedPrice: rupees(o.averagePaise),
      type: meta?.type ?? 2,
      fyToken: s?.fyToken ?? '',
      exchange: s?.exchangeCode ?? 10,
      segment: 10,
      symbol: s?.ticker ?? o.key,
      instrument: 0,
      message: o.message ?? '',
      offlineOrder: false,
      orderDateTime: orderDateTime(o.createdAt),
      orderValidity: 'DAY',
      pan: '',
      productType: o.product,
      side: o.side === 'BUY' ? 1 : -1,
      status,
      source: 'API',
      ex_sym: name,
      description: s?.inst.name ?? name,
      ch: rupees(lp - close),
      chp: close > 0 ? Math.round(((lp - close) / close) * 10_000) / 100 : 0,
      lp: rupees(lp),
      slNo,
      dqQtyRem: 0,
      orderNumStatus: `${o.id}:${status}`,
      disclosedQty: 0,
      orderTag: o.tag ? `1:${o.tag}` : '2:Untagged',
      takeProfit: 0,
      stopLoss: 0,
    };
  }

  const orderMeta = new Map<string, { idFyers: string; type: number; limitPaise: number }>();

  function validOrderTag(tag: unknown, account: string): boolean {
    return typeof tag === 'string' && /^[A-Za-z0-9]{1,30}$/.test(tag) && tag !== 'Untagged' && tag !== account;
  }

  function register(router: HttpRouter, ctx: SimContext): void {
    ctxRef = ctx;
    const universe = fyersSymbolsFor(ctx.market.instruments());
    symbols.splice(0, symbols.length, ...universe);
    byKey = new Map(universe.map((s) => [s.key, s]));
    byTicker = new Map(universe.map((s) => [s.ticker, s]));
    byTopic = new Map(universe.map((s) => [`sf|${s.hsmSegment}|${s.exToken}`, s]));
    orderRate = new RateWindow(ORDERS_PER_SECOND, ctx.now);

    // ---- login -------------------------------------------------------------------------------
    router.on('GET', '/api/v3/generate-authcode', (req) => {
      const clientId = req.query.get('client_id') ?? '';
      const redirect = req.query.get('redirect_uri') ?? '';
      const state = req.query.get('state') ?? '';
      if (clientId !== FYERS_SIM_APP_ID) return fail(400, -352, 'Invalid app id');
      if (req.query.get('response_type') !== 'code') return fail(400, -50, 'Invalid response_type');
      if (!redirectAllowed(redirect)) return fail(400, -50, 'Invalid redirect_uri');
      // The browser step (client id, OTP, PIN) is simulated as approved.
      const now = ctx.now();
      const code = signSimJwt({
        iss: 'api.login.fyers.in',
        iat: Math.floor(now / 1000),
        exp: Math.floor((now + AUTH_CODE_TTL_MS) / 1000),
        nbf: Math.floor(now / 1000),
        aud: ['d:1', 'd:2', 'x:0', 'x:1', 'x:2'],
        sub: 'auth_code',
        display_name: FYERS_SIM_CLIENT_ID,
        nonce: '',
        app_id: clientId.split('-')[0],
        uuid: randomUUID().replaceAll('-', ''),
        ipAddr: '127.0.0.1',
        scope: '',
      });
      authCodes.set(code, { appId: clientId, expiresAt: now + AUTH_CODE_TTL_MS, used: false });
      const to = new URL(redirect);
      to.searchParams.set('s', 'ok');
      to.searchParams.set('code', '200');
      to.searchParams.set('auth_code', code);
      to.searchParams.set('state', state);
      return { status: 302, headers: { location: to.toString() }, raw: '' };
    });

    router.on('POST', '/api/v3/validate-authcode', (req) => {
      const b = (req.body ?? {}) as Json;
      if (b.grant_type !== 'authorization_code') return fail(400, -50, 'Invalid grant_type');
      const code = typeof b.code === 'string' ? b.code : '';
      const issued = authCodes.get(code);
      if (!issued || issued.used || issued.expiresAt <= ctx.now()) return fail(400, -374, 'invalid auth code');
      const want = createHash('sha256').update(`${issued.appId}:${FYERS_SIM_SECRET_KEY}`).digest('hex');
      if (b.appIdHash !== want) return fail(400, -371, 'invalid appIdHash');
      issued.used = true;
      const now = ctx.now();
      const exp = nextFyersExpiry(now);
      const hsmKey = randomBytes(20).toString('hex');
      const token = signSimJwt(accessTokenPayload({ fyId: FYERS_SIM_CLIENT_ID, name: FYERS_SIM_USER_NAME, nowMs: now, expMs: exp, hsmKey }));
      ctx.tokens.issue(FYERS_SIM_CLIENT_ID, exp - now, token);
      tokenApps.set(token, issued.appId);
      hsmKeys.set(hsmKey, token);
      const refresh = signSimJwt({ iss: 'api.fyers.in', iat: Math.floor(now / 1000), exp: Math.floor((now + 15 * 86_400_000) / 1000), sub: 'refresh_token', fy_id: FYERS_SIM_CLIENT_ID });
      return ok({ access_token: token, refresh_token: refresh });
    });

    router.on(
      'GET',
      '/api/v3/profile',
      authed((_req, _ctx, account) =>
        ok({
          data: {
            name: FYERS_SIM_USER_NAME,
            image: null,
            display_name: null,
            email_id: 'sxxxxxxxxr@example.com',
            PAN: 'ABxxxxxx1Z',
            fy_id: account,
            pin_change_date: '01-01-2026 10:00:00',
            mobile_number: '98xxxxxx10',
            totp: true,
            pwd_change_date: null,
            pwd_to_expire: 90,
            ddpi_enabled: false,
            mtf_enabled: false,
          },
        }),
      ),
    );

    // ---- orders --------------------------------------------------------------------------------
    router.on(
      'POST',
      '/api/v3/orders/sync',
      authed((req, c, account) => {
        const b = (req.body ?? {}) as Json;
        const qty = b.qty;
        const side = b.side;
        const type = b.type;
        if (typeof b.symbol !== 'string' || !b.symbol) return fail(400, -50, 'Invalid input: symbol');
        if (typeof qty !== 'number' || !Number.isInteger(qty) || qty <= 0) return fail(400, -50, 'Invalid input: qty');
        if (side !== 1 && side !== -1) return fail(400, -50, 'Invalid input: side');
        if (type !== 1 && type !== 2) return fail(400, -50, 'Invalid input: type (the sim supports 1 LIMIT and 2 MARKET)');
        if (typeof b.productType !== 'string' || !PRODUCT_TYPES.has(b.productType)) return fail(400, -50, 'Invalid input: productType');
        if (b.orderTag !== undefined && !validOrderTag(b.orderTag, account)) return fail(400, -50, 'Invalid orderTag');
        const s = byTicker.get(b.symbol);
        if (!s) return fail(400, -300, 'Please provide a valid symbol');
        if (!orderRate.allow(account)) return fail(429, -429, 'request limit reached');
        const limitPaise = type === 1 ? Math.round(Number(b.limitPrice ?? 0) * 100) : 0;
        const o = c.exchange.place({
          account,
          tag: typeof b.orderTag === 'string' ? b.orderTag : null,
          key: s.key,
          side: side === 1 ? 'BUY' : 'SELL',
          quantity: qty,
          product: b.productType,
          orderType: type === 2 ? 'MARKET' : 'LIMIT',
        });
        orderMeta.set(o.id, { idFyers: randomUUID(), type, limitPaise });
        if (ackLost > 0) {
          ackLost -= 1;
          return { status: 200, body: { s: 'ok', code: 201, message: 'Order request sent, acknowledgement pending. Please check the order book before placing again.' } };
        }
        // RMS rejections come back synchronously as -99 with the reason; the order is also in the book as status 5.
        if (o.status === 'REJECTED') return fail(400, -99, o.message ?? 'Order rejected', { id: o.id });
        return { status: 200, body: { s: 'ok', code: 1101, message: `Order submitted successfully. Your Order Ref. No.${o.id}`, id: o.id } };
      }),
    );

    router.on(
      'DELETE',
      '/api/v3/orders/sync',
      authed((req, c, account) => {
        const b = (req.body ?? {}) as Json;
        const id = typeof b.id === 'string' ? b.id : '';
        if (!orderRate.allow(account)) return fail(429, -429, 'request limit reached');
        const r = c.exchange.cancel(account, id);
        if (r === 'not_found') return fail(400, -51, 'Invalid order id');
        if (r === 'not_open') return fail(400, -52, 'Order is not in a cancellable state');
        return { status: 200, body: { s: 'ok', code: 1103, message: 'Successfully cancelled order', id } };
      }),
    );

    router.on(
      'GET',
      '/api/v3/orders',
      authed((req, c, account) => {
        if (c.faults.take('lookupErrors5xx')) return serverError();
        const all = c.exchange.list(account);
        const slNo = new Map(all.map((o, i) => [o.id, i + 1]));
        let list = all;
        const id = req.query.get('id');
        const tag = req.query.get('order_tag');
        if (id !== null) {
          list = list.filter((o) => o.id === id);
          if (list.length === 0) return fail(400, -51, 'Invalid order id');
        }
        if (tag !== null) list = list.filter((o) => (o.tag ? `1:${o.tag}` : '2:Untagged') === tag);
        return ok({ orderBook: list.map((o) => renderOrder(o, c, slNo.get(o.id) ?? 0)) });
      }),
    );

    router.on(
      'GET',
      '/api/v3/positions',
      authed((_req, c, account) => {
        const rows = c.exchange.positions(account);
        let plTotal = 0;
        let plRealized = 0;
        let plUnrealized = 0;
        const netPositions = rows.map((p, i) => {
          const s = byKey.get(p.key);
          const ltp = c.market.price(p.key);
          const buyAvg = p.buyQty > 0 ? p.buyValue / p.buyQty : 0;
          const sellAvg = p.sellQty > 0 ? p.sellValue / p.sellQty : 0;
          const netAvg = p.net > 0 ? buyAvg : p.net < 0 ? sellAvg : 0;
          const realized = Math.min(p.buyQty, p.sellQty) * (sellAvg - buyAvg);
          const unrealized = p.net * (ltp - netAvg);
          plTotal += realized + unrealized;
          plRealized += realized;
          plUnrealized += unrealized;
          const symbol = s?.ticker ?? p.key;
          return {
            netQty: p.net,
            qty: Math.abs(p.net),
            avgPrice: rupees(netAvg),
            netAvg: rupees(netAvg),
            side: p.net > 0 ? 1 : p.net < 0 ? -1 : 0,
            productType: p.product,
            realized_profit: rupees(realized),
            unrealized_profit: rupees(unrealized),
            pl: rupees(realized + unrealized),
            ltp: rupees(ltp),
            buyQty: p.buyQty,
            buyAvg: rupees(buyAvg),
            buyVal: rupees(p.buyValue),
            sellQty: p.sellQty,
            sellAvg: rupees(sellAvg),
            sellVal: rupees(p.sellValue),
            slNo: i,
            fyToken: s?.fyToken ?? '',
            crossCurrency: 'N',
            rbiRefRate: 1.0,
            qtyMulti_com: 1.0,
            segment: 10,
            symbol,
            id: `${symbol}-${p.product}`,
            cfBuyQty: 0,
            cfSellQty: 0,
            dayBuyQty: p.buyQty,
            daySellQty: p.sellQty,
            exchange: s?.exchangeCode ?? 10,
          };
        });
        return ok({
          netPositions,
          overall: {
            count_total: rows.length,
            count_open: rows.filter((p) => p.net !== 0).length,
            pl_total: rupees(plTotal),
            pl_realized: rupees(plRealized),
            pl_unrealized: rupees(plUnrealized),
          },
        });
      }),
    );

    // ---- market data REST ------------------------------------------------------------------------
    router.on(
      'GET',
      '/data/quotes',
      authed((req, c) => {
        const list = (req.query.get('symbols') ?? '').split(',').filter(Boolean);
        if (list.length === 0) return fail(400, -50, 'Invalid input: symbols');
        const d = list.map((n) => {
          const s = byTicker.get(n);
          if (!s) return { n, s: 'error', v: { errmsg: 'invalid symbol' } };
          const q = c.market.quote(s.key);
          const tick = s.inst.tickSizePaise;
          return {
            n,
            s: 'ok',
            v: {
              ask: rupees(q.paise + tick),
              bid: rupees(Math.max(tick, q.paise - tick)),
              ch: rupees(q.paise - q.close),
              chp: q.close > 0 ? Math.round(((q.paise - q.close) / q.close) * 10_000) / 100 : 0,
              description: n,
              exchange: s.inst.exchange,
              fyToken: s.fyToken,
              high_price: rupees(q.high),
              low_price: rupees(q.low),
              lp: rupees(q.paise),
              open_price: rupees(q.open),
              original_name: n,
              prev_close_price: rupees(q.close),
              atp: rupees(q.paise),
              short_name: n.slice(n.indexOf(':') + 1),
              spread: rupees(2 * tick),
              symbol: n,
              tt: String(Math.floor(c.now() / 1000)),
              volume: q.volume,
            },
          };
        });
        return { status: 200, body: { s: 'ok', code: 200, message: '', d } };
      }),
    );

    router.on(
      'POST',
      '/data/symbol-token',
      authed((req) => {
        const b = (req.body ?? {}) as Json;
        const list = Array.isArray(b.symbols) ? b.symbols.map(String) : [];
        const validSymbol: Record<string, string> = {};
        const invalidSymbol: string[] = [];
        for (const n of list) {
          const s = byTicker.get(n);
          if (s) validSymbol[n] = s.fyToken;
          else invalidSymbol.push(n);
        }
        return ok({ validSymbol, invalidSymbol });
      }),
    );

    // Public symbol master (public.fyers.in in production): no auth, no header row.
    const csv = (exchange: 'NSE' | 'BSE') => (): SimResponse => ({
      status: 200,
      headers: { 'content-type': 'text/csv' },
      raw: symbolMasterCsv(symbols, exchange, Math.floor(ctx.now() / 86_400_000) * 86_400),
    });
    router.on('GET', '/sym_details/NSE_CM.csv', csv('NSE'));
    router.on('GET', '/sym_details/BSE_CM.csv', csv('BSE'));

    // ---- Fyers-specific control ------------------------------------------------------------------
    /** Next N placements are placed but answered with Fyers' `code: 201` (sent, not acknowledged). */
    router.on('POST', '/_sim/fyers/ack-lost', (req) => {
      const b = (req.body ?? {}) as Json;
      ackLost = typeof b.count === 'number' ? b.count : 1;
      return { status: 200, body: { ackLost } };
    });
  }

  function redirectAllowed(uri: string): boolean {
    if (uri === FYERS_SIM_REDIRECT_URI) return true;
    // A sim convenience: any loopback callback counts as registered, so a local API can use its own.
    try {
      const u = new URL(uri);
      return (u.protocol === 'http:' || u.protocol === 'https:') && (u.hostname === '127.0.0.1' || u.hostname === 'localhost');
    } catch {
      return false;
    }
  }

  function serverError(): SimResponse {
    return { status: 500, body: { s: 'error', code: 500, message: 'Internal server error' } };
  }

  // ---- HSM socket ----------------------------------------------------------------------------------
  function upgrade(req: Http1Request): UpgradeDecision {
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    if (path !== FYERS_SIM_HSM_PATH) return { ok: false, status: 404, body: 'Not Found' };
    return { ok: true, account: null };
  }

  function onConnection(ws: WebSocket, req: Http1Request): void {
    const client = hub.add(ws, null);
    const conn: HsmConn = { client, ignoreAuth: req.headers.authorization !== undefined, nextTopicId: 1, messageNo: 0 };
    conns.set(ws, conn);
    ws.on('close', () => conns.delete(ws));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      const buf = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
      const r = readHsmRequest(buf);
      if (!r || !ctxRef) return;
      const ctx = ctxRef;
      if (r.type === HSM_REQ_AUTH) {
        if (conn.ignoreAuth) return;
        const key = r.fields.get(1)?.toString('ascii') ?? '';
        const token = hsmKeys.get(key);
        const found = ctx.tokens.lookup(token);
        if (found.kind !== 'ok') {
          ws.send(hsmFrame(HSM_REQ_AUTH, [[1, Buffer.from('E')], [2, Buffer.from(found.kind === 'expired' ? 'Token expired' : 'Invalid hsm key')]]));
          ws.close();
          return;
        }
        hub.assignAccount(client, found.account);
        ws.send(hsmFrame(HSM_REQ_AUTH, [[1, Buffer.from('K')], [3, Buffer.from(JSON.stringify({ md: 'sim' }))]]));
        return;
      }
      if (client.account === null) return;
      if (r.type === HSM_REQ_SUBSCRIBE || r.type === HSM_REQ_UNSUBSCRIBE) {
        const topics = r.fields.get(1) ? readTopicList(r.fields.get(1) as Buffer) : [];
        const fresh: Array<[FyersSimSymbol, HsmSub]> = [];
        for (const topic of topics) {
          const s = byTopic.get(topic);
          if (!s) continue;
          if (r.type === HSM_REQ_UNSUBSCRIBE) {
            client.subs.delete(s.key);
          } else if (!client.subs.has(s.key)) {
            const sub: HsmSub = { topicId: conn.nextTopicId++, topic, snapshotSent: false };
            client.subs.set(s.key, sub);
            fresh.push([s, sub]);
          }
        }
        ws.send(hsmFrame(r.type, [[1, Buffer.from('K')]]));
        if (!hub.silent) for (const [s, sub] of fresh) ws.send(encodeScrip(conn, s, sub, ctx));
      }
      // Anything else (the 3-byte ping, mode switches) needs no answer.
    });
  }

  return {
    name: 'fyers',
    idPrefix: orderIdPrefix(Date.now()),
    register,
    upgrade,
    onConnection,
    onTick: (t) => hub.publish(t),
    subscribedKeys: () => hub.subscribedKeys(),
    setFeedSilent: (silent) => {
      hub.silent = silent;
    },
    dropFeeds: () => hub.dropAll(),
    isOrderPlacement: (method, path) => method === 'POST' && path === '/api/v3/orders/sync',
    rateLimitedResponse: () => fail(429, -429, 'request limit reached'),
    serverErrorResponse: serverError,
    reset: () => {
      ackLost = 0;
      orderRate.reset();
      orderMeta.clear();
    },
  };
}
