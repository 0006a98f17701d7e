import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { RawData, WebSocket } from 'ws';
import type { SimTick } from '@ats/market-sim';
import { FeedHub, type FeedClient } from '../core/feed-hub';
import type { HttpRouter, SimRequest, SimResponse } from '../core/http-router';
import { RateWindow } from '../core/rate-window';
import type { SimOrder } from '../core/sim-exchange';
import type { BrokerSimModule, SimContext, UpgradeDecision } from '../core/sim-server';
import type { Http1Request } from '../core/http1-server';
import { ANGELONE_SIM_ACCOUNTS, type AngelOneSimAccount } from './angelone-sim-accounts';
import { AngelSimScripMaster } from './angelone-scrip-master';
import { encodeSmartStreamPacket } from './angelone-stream-encoder';

const AUTH = '/rest/auth/angelbroking';
const SECURE = '/rest/secure/angelbroking';
export const ANGELONE_SIM_PATHS = {
  login: `${AUTH}/user/v1/loginByPassword`,
  generateTokens: `${AUTH}/jwt/v1/generateTokens`,
  profile: `${SECURE}/user/v1/getProfile`,
  logout: `${SECURE}/user/v1/logout`,
  placeOrder: `${SECURE}/order/v1/placeOrder`,
  modifyOrder: `${SECURE}/order/v1/modifyOrder`,
  cancelOrder: `${SECURE}/order/v1/cancelOrder`,
  orderBook: `${SECURE}/order/v1/getOrderBook`,
  tradeBook: `${SECURE}/order/v1/getTradeBook`,
  orderDetails: `${SECURE}/order/v1/details/:uniqueorderid`,
  positions: `${SECURE}/order/v1/getPosition`,
  ltp: `${SECURE}/order/v1/getLtpData`,
  scripMaster: '/OpenAPI_File/files/OpenAPIScripMaster.json',
  stream: '/smart-stream',
} as const;

/** Angel's gateway answers a breach of its per-second limits with a bare 403 and this text. */
export const ANGELONE_RATE_LIMIT_TEXT = 'Access denied because of exceeding access rate';
/** place + modify + cancel combined, per client code (angel-docs 19-rate-limit.md, 2026). */
export const ANGELONE_ORDER_RATE_PER_SECOND = 9;

const IST_OFFSET_MS = 19_800_000;
const DAY_MS = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Angel sessions end at the next midnight IST. */
function nextMidnightIst(now: number): number {
  return Math.floor((now + IST_OFFSET_MS) / DAY_MS) * DAY_MS + DAY_MS - IST_OFFSET_MS;
}

/** "20-Oct-2020 13:10:59" in IST, as Angel's order book writes times. */
function istText(ms: number): string {
  const d = new Date(ms + IST_OFFSET_MS);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** Angel order ids are 15 digits starting with the IST date, YYMMDD: "200910000000111". */
function orderIdPrefix(now: number): string {
  const d = new Date(now + IST_OFFSET_MS);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}0`;
}

function rupees(paise: number): number {
  return Math.round(paise) / 100;
}

function rupeeText(paise: number): string {
  return (Math.round(paise) / 100).toFixed(2);
}

const ok = (data: unknown): SimResponse => ({ status: 200, body: { status: true, message: 'SUCCESS', errorcode: '', data } });
/** Angel's documented failure envelope; business errors come back as HTTP 200. */
const fail = (errorcode: string, message: string): SimResponse => ({ status: 200, body: { status: false, message, errorcode, data: null } });
/**
 * The API gateway's own dialect for token problems. Captures disagree on the HTTP status (200 vs
 * 401); the sim picks 401 so adapters must cope with the body, whatever the status.
 */
const gateway = (errorCode: string, message: string): SimResponse => ({ status: 401, body: { success: false, message, errorCode, data: '' } });

type StreamMode = 1 | 2 | 3;

interface Session {
  account: AngelOneSimAccount;
}

/**
 * Angel One SmartAPI as a fake server: MPIN + TOTP login, JSON order APIs with Angel's envelopes,
 * lowercase statuses and string numbers, the 9/s order limit answered with Angel's bare 403, the
 * JSON scrip master, and SmartStream 2.0 with its little-endian binary packets.
 */
export function createAngelOneSim(accounts: readonly AngelOneSimAccount[] = ANGELONE_SIM_ACCOUNTS): BrokerSimModule {
  // Built in register(), from the same universe the shared market trades.
  let master = new AngelSimScripMaster([]);
  let ctxRef: SimContext | null = null;
  const byClient = new Map(accounts.map((a) => [a.clientCode, a]));
  const byApiKey = new Map(accounts.map((a) => [a.apiKey, a]));
  const jwtKey = randomBytes(32);
  // TokenRegistry owns expiry; these remember which kind each token is.
  const jwts = new Set<string>();
  const feedTokens = new Set<string>();
  const refreshTokens = new Set<string>();
  const uniqueIds = new Map<string, string>();
  let orderRate = new RateWindow(ANGELONE_ORDER_RATE_PER_SECOND);
  let streamSeq = 0;

  const hub = new FeedHub<StreamMode>((t, mode) => encodeTick(t, mode));

  function ctx(): SimContext {
    if (!ctxRef) throw new Error('angelone sim used before register()');
    return ctxRef;
  }

  function signJwt(account: AngelOneSimAccount, kind: string, expiresAt: number): string {
    const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = ctx().now();
    const head = b64({ alg: 'HS512' });
    const body = b64({ username: account.clientCode, roles: 0, userdata: { kind, nonce: randomBytes(6).toString('hex') }, iat: Math.floor(now / 1000), exp: Math.floor(expiresAt / 1000) });
    const sig = createHmac('sha512', jwtKey).update(`${head}.${body}`).digest('base64url');
    return `${head}.${body}.${sig}`;
  }

  function issueSession(account: AngelOneSimAccount): { jwtToken: string; refreshToken: string; feedToken: string } {
    const { tokens, now } = ctx();
    const expiresAt = nextMidnightIst(now());
    const ttl = expiresAt - now();
    const jwtToken = tokens.issue(account.clientCode, ttl, signJwt(account, 'access', expiresAt));
    const refreshToken = tokens.issue(account.clientCode, ttl, signJwt(account, 'refresh', expiresAt));
    const feedToken = tokens.issue(account.clientCode, ttl, signJwt(account, 'feed', expiresAt));
    jwts.add(jwtToken);
    refreshTokens.add(refreshToken);
    feedTokens.add(feedToken);
    return { jwtToken, refreshToken, feedToken };
  }

  function header(req: SimRequest, name: string): string | undefined {
    const v = req.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  }

  /** The checks Angel's gateway makes on every call, in its order: client headers, API key, token. */
  function clientHeadersProblem(req: SimRequest): SimResponse | null {
    const apiKey = header(req, 'X-PrivateKey');
    if (!apiKey || !byApiKey.has(apiKey)) return gateway('AG8004', 'Invalid API Key');
    if (header(req, 'X-UserType') !== 'USER') return fail('AB1005', 'User Type Must Be USER');
    for (const h of ['X-SourceID', 'X-ClientLocalIP', 'X-ClientPublicIP', 'X-MACAddress']) {
      if (!header(req, h)) return fail('AB1004', `Missing header ${h}`);
    }
    return null;
  }

  function authorize(req: SimRequest): { session: Session } | { response: SimResponse } {
    const problem = clientHeadersProblem(req);
    if (problem) return { response: problem };
    const auth = header(req, 'Authorization');
    if (!auth) return { response: gateway('AG8003', 'Token Missing') };
    const token = auth.replace(/^Bearer\s+/i, '');
    const found = ctx().tokens.lookup(token);
    if (found.kind !== 'ok' || !jwts.has(token)) return { response: gateway('AG8001', 'Invalid Token') };
    const account = byClient.get(found.account);
    if (!account || account.apiKey !== header(req, 'X-PrivateKey')) return { response: gateway('AG8001', 'Invalid Token') };
    return { session: { account } };
  }

  function secured(handler: (req: SimRequest, s: Session) => SimResponse): (req: SimRequest) => SimResponse {
    return (req) => {
      const a = authorize(req);
      return 'response' in a ? a.response : handler(req, a.session);
    };
  }

  /** place, modify and cancel share one per-client window; beyond it Angel answers its bare 403. */
  function orderCall(handler: (req: SimRequest, s: Session) => SimResponse): (req: SimRequest) => SimResponse {
    return secured((req, s) => (orderRate.allow(s.account.clientCode) ? handler(req, s) : rateLimited()));
  }

  function uniqueId(o: SimOrder): string {
    let u = uniqueIds.get(o.id);
    if (!u) {
      u = randomUUID();
      uniqueIds.set(o.id, u);
    }
    return u;
  }

  function orderRow(o: SimOrder): Record<string, unknown> {
    const scrip = master.byInstrumentKey(o.key);
    const [exchange, symbol] = o.key.split(':') as [string, string];
    const status = o.status === 'OPEN' ? 'open' : o.status === 'COMPLETE' ? 'complete' : o.status === 'CANCELLED' ? 'cancelled' : 'rejected';
    const cancelled = o.status === 'CANCELLED' ? o.quantity - o.filled : 0;
    return {
      variety: 'NORMAL',
      ordertype: o.orderType,
      producttype: o.product,
      duration: 'DAY',
      price: 0.0,
      triggerprice: 0.0,
      quantity: String(o.quantity),
      disclosedquantity: '0',
      squareoff: 0.0,
      stoploss: 0.0,
      trailingstoploss: 0.0,
      tradingsymbol: scrip?.tradingsymbol ?? symbol,
      transactiontype: o.side,
      exchange,
      symboltoken: scrip?.token ?? '',
      instrumenttype: '',
      strikeprice: -1.0,
      optiontype: '',
      expirydate: '',
      lotsize: '1',
      cancelsize: String(cancelled),
      averageprice: rupees(o.averagePaise),
      filledshares: String(o.filled),
      unfilledshares: String(o.status === 'OPEN' ? o.quantity - o.filled : 0),
      orderid: o.id,
      text: o.status === 'REJECTED' ? (o.message ?? '') : '',
      status,
      orderstatus: status,
      updatetime: istText(o.updatedAt),
      exchtime: o.status === 'REJECTED' ? '' : istText(o.createdAt),
      exchorderupdatetime: o.status === 'REJECTED' ? '' : istText(o.updatedAt),
      fillid: '',
      filltime: '',
      parentorderid: '',
      ordertag: o.tag ?? '',
      uniqueorderid: uniqueId(o),
      exchangeorderid: o.status === 'REJECTED' ? '' : `1100000${o.id.slice(-8)}`,
    };
  }

  function encodeTick(t: SimTick, mode: StreamMode): Buffer | null {
    const scrip = master.byInstrumentKey(t.key);
    if (!scrip) return null;
    streamSeq += 1;
    const q = ctx().market.quote(t.key);
    const tick = ctx().market.instrument(t.key)?.tickSizePaise ?? 5;
    return encodeSmartStreamPacket({
      mode,
      exchangeType: scrip.exchangeType,
      token: scrip.token,
      sequence: streamSeq,
      exchangeTs: t.ts,
      ltpPaise: t.paise,
      lastTradedQty: 1,
      avgPricePaise: Math.round((q.high + q.low + q.paise) / 3),
      volume: t.volume,
      totalBuyQty: 1000,
      totalSellQty: 1200,
      openPaise: q.open,
      highPaise: q.high,
      lowPaise: q.low,
      closePaise: q.close,
      lastTradedTs: Math.floor(t.ts / 1000),
      openInterest: 0,
      oiChangePct: 0,
      bids: Array.from({ length: 5 }, (_, k) => ({ quantity: 100 * (k + 1), pricePaise: t.paise - tick * (k + 1), orders: k + 1 })),
      asks: Array.from({ length: 5 }, (_, k) => ({ quantity: 120 * (k + 1), pricePaise: t.paise + tick * (k + 1), orders: k + 2 })),
      upperCircuitPaise: Math.round(q.close * 1.2),
      lowerCircuitPaise: Math.round(q.close * 0.8),
      high52Paise: Math.round(q.close * 1.35),
      low52Paise: Math.round(q.close * 0.7),
    });
  }

  function rateLimited(): SimResponse {
    return { status: 403, raw: ANGELONE_RATE_LIMIT_TEXT, headers: { 'content-type': 'text/plain; charset=utf-8' } };
  }

  function register(router: HttpRouter, c: SimContext): void {
    ctxRef = c;
    master = new AngelSimScripMaster(c.market.instruments());
    const { exchange, market } = c;
    const P = ANGELONE_SIM_PATHS;

    router.on('POST', P.login, (req) => {
      const problem = clientHeadersProblem(req);
      if (problem) return problem;
      const b = (req.body ?? {}) as Record<string, unknown>;
      const account = byClient.get(String(b.clientcode ?? ''));
      if (!account || account.apiKey !== header(req, 'X-PrivateKey')) return fail('AB1000', 'Invalid clientcode or password');
      if (String(b.password ?? '') !== account.mpin) return fail('AB1000', 'Invalid clientcode or password');
      const totp = new TOTP({ secret: Secret.fromBase32(account.totpSecret), algorithm: 'SHA1', digits: 6, period: 30 });
      const code = String(b.totp ?? '');
      // RFC 6238 drift: the previous and next 30 s steps are honoured too.
      if (!/^\d{6}$/.test(code) || totp.validate({ token: code, timestamp: c.now(), window: 1 }) === null) return fail('AB1050', 'Invalid totp');
      const s = issueSession(account);
      return ok({ ...s, state: typeof b.state === 'string' ? b.state : null });
    });

    router.on('POST', P.generateTokens, (req) => {
      const a = authorize(req);
      if ('response' in a) return a.response;
      const b = (req.body ?? {}) as Record<string, unknown>;
      const rt = String(b.refreshToken ?? '');
      const found = c.tokens.lookup(rt);
      if (!refreshTokens.has(rt) || found.kind === 'unknown') return fail('AB8050', 'Invalid Refresh Token');
      if (found.kind === 'expired') return fail('AB8051', 'Refresh Token Expired');
      if (found.account !== a.session.account.clientCode) return fail('AB8050', 'Invalid Refresh Token');
      return ok(issueSession(a.session.account));
    });

    router.on('GET', P.profile, secured((_req, s) => ok({
      clientcode: s.account.clientCode,
      name: s.account.name,
      email: s.account.email,
      mobileno: '',
      exchanges: ['nse_cm', 'bse_cm'],
      products: ['MARGIN', 'MIS', 'NRML', 'CNC', 'CO', 'BO'],
      lastlogintime: '',
      brokerid: 'B2C',
    })));

    router.on('POST', P.logout, secured(() => ok('')));

    router.on('POST', P.placeOrder, orderCall((req, s) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const variety = String(b.variety ?? '');
      if (!['NORMAL', 'STOPLOSS', 'AMO', 'ROBO'].includes(variety)) return fail('AB1008', 'Invalid Order Variety');
      const product = String(b.producttype ?? '');
      if (!['DELIVERY', 'CARRYFORWARD', 'MARGIN', 'INTRADAY', 'BO'].includes(product)) return fail('AB1012', 'Invalid Product Type');
      const tag = b.ordertag === undefined || b.ordertag === null ? '' : String(b.ordertag);
      if (tag.length >= 20) return fail('AB4008', 'ordertag length should be less than 20 characters');
      const side = String(b.transactiontype ?? '');
      if (side !== 'BUY' && side !== 'SELL') return fail('AB2000', 'Invalid Transaction Type');
      const orderType = String(b.ordertype ?? '');
      if (!['MARKET', 'LIMIT', 'STOPLOSS_LIMIT', 'STOPLOSS_MARKET'].includes(orderType)) return fail('AB2000', 'Invalid Order Type');
      const quantity = Number(b.quantity);
      if (!Number.isInteger(quantity) || quantity <= 0) return fail('AB2000', 'Invalid Quantity');
      const scrip = master.resolve(b.exchange, b.tradingsymbol, b.symboltoken);
      if (!scrip) return fail('AB1009', 'Symbol Not Found');
      // RMS rejections are not HTTP errors at Angel: the order gets an id and shows "rejected" in the book.
      const o = exchange.place({ account: s.account.clientCode, tag: tag || null, key: scrip.key, side, quantity, product, orderType });
      return ok({ script: scrip.tradingsymbol, orderid: o.id, uniqueorderid: uniqueId(o) });
    }));

    router.on('POST', P.cancelOrder, orderCall((req, s) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const id = String(b.orderid ?? '');
      const r = exchange.cancel(s.account.clientCode, id);
      if (r === 'not_found') return fail('AB1013', 'Order not found');
      if (r === 'not_open') {
        const o = exchange.get(s.account.clientCode, id);
        return fail('AB2000', `Order cannot be cancelled as it is ${o ? orderRow(o).status : 'closed'}`);
      }
      return ok({ orderid: r.id, uniqueorderid: uniqueId(r) });
    }));

    router.on('POST', P.modifyOrder, orderCall(() => fail('AB2000', 'Modify is not supported by the sim')));

    router.on('GET', P.orderBook, secured((_req, s) => {
      if (c.faults.take('lookupErrors5xx')) return serverError();
      const list = exchange.list(s.account.clientCode);
      // Angel answers an empty book with data: null, not [].
      return ok(list.length === 0 ? null : list.map(orderRow));
    }));

    router.on('GET', P.orderDetails, secured((req, s) => {
      if (c.faults.take('lookupErrors5xx')) return serverError();
      const o = exchange.list(s.account.clientCode).find((x) => uniqueIds.get(x.id) === req.params.uniqueorderid);
      return o ? ok(orderRow(o)) : fail('AB1013', 'Order not found');
    }));

    router.on('GET', P.tradeBook, secured((_req, s) => {
      const fills = exchange.list(s.account.clientCode).filter((o) => o.filled > 0);
      if (fills.length === 0) return ok(null);
      return ok(fills.map((o) => {
        const row = orderRow(o);
        return {
          exchange: row.exchange, producttype: row.producttype, tradingsymbol: row.tradingsymbol, instrumenttype: '', symbolgroup: 'EQ',
          strikeprice: '-1', optiontype: '', expirydate: '', marketlot: '1', precision: '2', multiplier: '-1',
          tradevalue: rupeeText(o.filled * o.averagePaise), transactiontype: o.side, fillprice: rupeeText(o.averagePaise),
          fillsize: String(o.filled), orderid: o.id, fillid: `${o.id.slice(-6)}01`, filltime: istText(o.updatedAt).slice(12),
        };
      }));
    }));

    router.on('GET', P.positions, secured((_req, s) => {
      const rows = exchange.positions(s.account.clientCode).map((p) => {
        const scrip = master.byInstrumentKey(p.key);
        const [exch, symbol] = p.key.split(':') as [string, string];
        const buyAvg = p.buyQty > 0 ? p.buyValue / p.buyQty : 0;
        const sellAvg = p.sellQty > 0 ? p.sellValue / p.sellQty : 0;
        const net = p.net;
        const netValue = p.sellValue - p.buyValue;
        return {
          exchange: exch, symboltoken: scrip?.token ?? '', producttype: p.product, tradingsymbol: scrip?.tradingsymbol ?? symbol,
          symbolname: symbol, instrumenttype: '', priceden: '1.00', pricenum: '1.00', genden: '1.00', gennum: '1.00',
          precision: '2', multiplier: '-1', boardlotsize: '1', buyqty: String(p.buyQty), sellqty: String(p.sellQty),
          buyamount: rupeeText(p.buyValue), sellamount: rupeeText(p.sellValue), symbolgroup: 'EQ', strikeprice: '-1',
          optiontype: '', expirydate: '', lotsize: '1', cfbuyqty: '0', cfsellqty: '0', cfbuyamount: '0.00', cfsellamount: '0.00',
          buyavgprice: rupeeText(buyAvg), sellavgprice: rupeeText(sellAvg),
          avgnetprice: rupeeText(net > 0 ? buyAvg : net < 0 ? sellAvg : 0), netvalue: rupeeText(netValue), netqty: String(net),
          totalbuyvalue: rupeeText(p.buyValue), totalsellvalue: rupeeText(p.sellValue), cfbuyavgprice: '0.00', cfsellavgprice: '0.00',
          totalbuyavgprice: rupeeText(buyAvg), totalsellavgprice: rupeeText(sellAvg), netprice: rupeeText(net !== 0 ? Math.abs(netValue / net) : 0),
        };
      });
      return ok(rows.length === 0 ? null : rows);
    }));

    router.on('POST', P.ltp, secured((req) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const scrip = master.resolve(b.exchange, b.tradingsymbol, b.symboltoken);
      if (!scrip) return fail('AB1009', 'Symbol Not Found');
      const q = market.quote(scrip.key);
      return ok({ exchange: scrip.exchange, tradingsymbol: scrip.tradingsymbol, symboltoken: scrip.token, open: rupees(q.open), high: rupees(q.high), low: rupees(q.low), close: rupees(q.close), ltp: rupees(q.paise) });
    }));

    // The real file lives on another host without auth; the sim serves it from its own port.
    router.on('GET', P.scripMaster, () => ({ status: 200, raw: JSON.stringify(master.rows), headers: { 'content-type': 'application/json' } }));
  }

  function serverError(): SimResponse {
    return { status: 500, body: { status: false, message: 'Something Went Wrong, Please Try After Sometime', errorcode: 'AB1004', data: null } };
  }

  function upgrade(req: Http1Request, c: SimContext): UpgradeDecision {
    const url = new URL(req.url ?? '/', 'http://sim');
    const refuse = (msg: string): UpgradeDecision => ({ ok: false, status: 401, headers: { 'x-error-message': msg } });
    if (url.pathname !== ANGELONE_SIM_PATHS.stream) return { ok: false, status: 404, body: 'Not Found' };
    const h = (n: string): string | undefined => {
      const v = req.headers[n];
      return Array.isArray(v) ? v[0] : v;
    };
    // Server SDKs send headers; browsers cannot, so the query variant carries the same values.
    const clientCode = h('x-client-code') ?? url.searchParams.get('clientCode') ?? undefined;
    const feedToken = h('x-feed-token') ?? url.searchParams.get('feedToken') ?? undefined;
    const apiKey = h('x-api-key') ?? url.searchParams.get('apiKey') ?? undefined;
    const auth = h('authorization');
    if (!clientCode) return refuse('Invalid Header - Missing Client Code');
    if (!feedToken) return refuse('Invalid Header - Missing Feed Token');
    const account = byClient.get(clientCode);
    const feed = c.tokens.lookup(feedToken);
    if (!account || !feedTokens.has(feedToken) || feed.kind !== 'ok' || feed.account !== clientCode) return refuse('Invalid Header - Invalid Feed Token');
    if (apiKey !== undefined && apiKey !== account.apiKey) return refuse('Invalid Header - Invalid API Key');
    if (auth !== undefined) {
      const jwt = auth.replace(/^Bearer\s+/i, '');
      const t = c.tokens.lookup(jwt);
      if (!jwts.has(jwt) || t.kind !== 'ok' || t.account !== clientCode) return refuse('Invalid Header - Invalid Auth token');
    }
    return { ok: true, account: clientCode };
  }

  function onConnection(ws: WebSocket, _req: Http1Request, account: string | null): void {
    const client = hub.add(ws, account);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return;
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      if (text === 'ping') {
        ws.send('pong');
        return;
      }
      handleRequest(client, text);
    });
  }

  function handleRequest(client: FeedClient<StreamMode>, text: string): void {
    let msg: { correlationID?: unknown; action?: unknown; params?: { mode?: unknown; tokenList?: unknown } };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      client.ws.send(JSON.stringify({ correlationID: '', errorCode: 'E1001', errorMessage: 'Invalid Request Payload.' }));
      return;
    }
    const correlationID = typeof msg.correlationID === 'string' ? msg.correlationID : '';
    const mode = msg.params?.mode;
    const list = msg.params?.tokenList;
    if ((msg.action !== 0 && msg.action !== 1) || (mode !== 1 && mode !== 2 && mode !== 3 && mode !== 4) || !Array.isArray(list)) {
      client.ws.send(JSON.stringify({ correlationID, errorCode: 'E1001', errorMessage: 'Invalid Request Payload.' }));
      return;
    }
    if (mode === 4) {
      client.ws.send(JSON.stringify({ correlationID, errorCode: 'E1003', errorMessage: 'Depth 20 is not available from the sim' }));
      return;
    }
    const fresh: string[] = [];
    for (const entry of list as Array<{ exchangeType?: unknown; tokens?: unknown }>) {
      if (typeof entry?.exchangeType !== 'number' || !Array.isArray(entry.tokens)) continue;
      for (const tok of entry.tokens) {
        const scrip = master.byStreamToken(entry.exchangeType, String(tok));
        if (!scrip) continue;
        if (msg.action === 1) {
          if (!client.subs.has(scrip.key)) fresh.push(scrip.key);
          client.subs.set(scrip.key, mode);
        } else if (client.subs.get(scrip.key) === mode) {
          client.subs.delete(scrip.key);
        }
      }
    }
    // A new subscription gets the current state at once, before the next market move.
    const c = ctx();
    for (const key of fresh) {
      const frame = encodeTick({ key, paise: c.market.price(key), ts: c.now(), volume: c.market.quote(key).volume }, mode);
      if (frame && client.ws.readyState === client.ws.OPEN) client.ws.send(frame);
    }
  }

  return {
    name: 'angelone',
    idPrefix: orderIdPrefix(Date.now()),
    register,
    upgrade,
    onConnection: (ws, req, account) => onConnection(ws, req, account),
    onTick: (t) => hub.publish(t),
    subscribedKeys: () => hub.subscribedKeys(),
    setFeedSilent: (s) => {
      hub.silent = s;
    },
    dropFeeds: () => hub.dropAll(),
    isOrderPlacement: (method, path) => method === 'POST' && path === ANGELONE_SIM_PATHS.placeOrder,
    rateLimitedResponse: rateLimited,
    serverErrorResponse: serverError,
    reset: () => {
      uniqueIds.clear();
      orderRate = new RateWindow(ANGELONE_ORDER_RATE_PER_SECOND);
      streamSeq = 0;
    },
  };
}
