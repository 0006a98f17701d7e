import { createHash, randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { SimTick } from '@ats/market-sim';
import { FeedHub, type FeedClient } from '../core/feed-hub';
import type { HttpRouter, SimRequest, SimResponse } from '../core/http-router';
import { RateWindow } from '../core/rate-window';
import type { SimOrder } from '../core/sim-exchange';
import type { BrokerSimModule, SimContext, UpgradeDecision } from '../core/sim-server';
import type { Http1Request } from '../core/http1-server';
import { kiteInstrumentsCsv, kiteSimInstruments, type KiteSimInstrument } from './kite-sim-instruments';
import { kiteOrderHistory, kiteOrderView, kitePositionView, kitePostback, kiteTime, type KiteOrderExtras } from './kite-order-view';
import { encodeKiteFrame, encodeKitePacket, KITE_HEARTBEAT, type KiteMode } from './kite-ticker-encoder';

export * from './kite-sim-instruments';
export * from './kite-ticker-encoder';
export { kiteTime } from './kite-order-view';

/** The sim's one Kite Connect app and user; tests and `npm run sim` log in with these. */
export const KITE_SIM_API_KEY = 'kite_sim_key';
export const KITE_SIM_API_SECRET = 'kite_sim_secret';
export const KITE_SIM_USER_ID = 'ZS0001';
/** The redirect URL registered for the sim app (where the login page sends the browser). */
export const KITE_SIM_REDIRECT_URL = 'http://127.0.0.1:8080/api/broker/callback/zerodha';
export const KITE_SIM_APP_ID = 1234;

/** One Kite Connect app and the user who logs in through it (every retail trader has their own). */
export interface KiteSimApp {
  apiKey: string;
  apiSecret: string;
  userId: string;
}

export interface ZerodhaSimOptions {
  apiKey?: string;
  apiSecret?: string;
  userId?: string;
  /** more apps/users besides the default one, e.g. thousands of traders for a benchmark */
  apps?: readonly KiteSimApp[];
  redirectUrl?: string;
}

/** `n` extra sim apps with predictable credentials: kite_sim_key_<i>, kite_sim_secret_<i>, user ZS<i>. */
export function kiteSimApps(n: number): KiteSimApp[] {
  return Array.from({ length: n }, (_, i) => ({ apiKey: `kite_sim_key_${i + 1}`, apiSecret: `kite_sim_secret_${i + 1}`, userId: `ZS${String(i + 1).padStart(5, '0')}` }));
}

/** Kite's documented hard limit on order placement. */
const ORDERS_PER_SECOND = 10;
const REQUEST_TOKEN_TTL_MS = 5 * 60_000;
const IST_OFFSET_MS = 330 * 60_000;
const DAY_MS = 86_400_000;

/** Kite access tokens die at 06:00 IST the next morning (regulatory), whatever time they were issued. */
export function kiteTokenTtlMs(now: number): number {
  const sixIst = 6 * 3_600_000;
  const istMs = now + IST_OFFSET_MS;
  const dayStart = istMs - (((istMs % DAY_MS) + DAY_MS) % DAY_MS);
  let expiry = dayStart + sixIst;
  if (expiry <= istMs) expiry += DAY_MS;
  return expiry - istMs;
}

function kiteError(status: number, errorType: string, message: string): SimResponse {
  return { status, body: { status: 'error', message, data: null, error_type: errorType } };
}

function ok(data: unknown): SimResponse {
  return { status: 200, body: { status: 'success', data } };
}

const TOKEN_MESSAGE = 'Incorrect `api_key` or `access_token`.';

const REQUIRED_ORDER_FIELDS = ['exchange', 'tradingsymbol', 'transaction_type', 'quantity', 'product', 'order_type'] as const;
const ORDER_TYPES = new Set(['MARKET', 'LIMIT', 'SL', 'SL-M']);
const PRODUCTS = new Set(['CNC', 'NRML', 'MIS', 'MTF']);
/** Order guids are 12 hex digits (48 bits). */
const GUID_SPACE = 2 ** 48;

/** Zerodha Kite Connect v3 as it speaks on the wire: form bodies, `{status,data}` envelopes, a binary ticker. */
export function createZerodhaSim(opts: ZerodhaSimOptions = {}): BrokerSimModule {
  const main: KiteSimApp = { apiKey: opts.apiKey ?? KITE_SIM_API_KEY, apiSecret: opts.apiSecret ?? KITE_SIM_API_SECRET, userId: opts.userId ?? KITE_SIM_USER_ID };
  const apps = new Map<string, KiteSimApp>([[main.apiKey, main], ...(opts.apps ?? []).map((a) => [a.apiKey, a] as const)]);
  // Apps are fixed at creation, so each order update finds its account's app secret by lookup, not
  // by a scan of thousands of apps. The first app of a user wins, as a scan would find it.
  const secretByUser = new Map<string, string>();
  for (const a of apps.values()) if (!secretByUser.has(a.userId)) secretByUser.set(a.userId, a.apiSecret);
  // `npm run sim` takes no options: the app's callback can come from the environment instead.
  const redirectUrl = opts.redirectUrl ?? process.env.KITE_SIM_REDIRECT_URL ?? KITE_SIM_REDIRECT_URL;

  // Rebuilt from the sim's market at register time, so a test can give the market its own universe.
  let instruments = kiteSimInstruments();
  let byToken = new Map<number, KiteSimInstrument>(instruments.map((i) => [i.instrumentToken, i]));
  let byKey = new Map<string, KiteSimInstrument>(instruments.map((i) => [i.key, i]));
  const requestTokens = new Map<string, { until: number; apiKey: string }>();
  const extras = new Map<string, KiteOrderExtras>();
  const orderRate = new RateWindow(ORDERS_PER_SECOND);
  const lastSent = new WeakMap<WebSocket, number>();
  const heartbeats = new Set<NodeJS.Timeout>();
  let ctx: SimContext | null = null;
  let exchangeSeq = 0;
  // Guids only need to be unique: count up from a random start rather than draw random bytes per order.
  let guidSeq = randomBytes(6).readUIntBE(0, 6);
  // Kite answers the order request before its postback, so updates wait for the next turn; one
  // callback sends every update of a turn, in order, instead of one callback per update.
  const pendingUpdates: SimOrder[] = [];

  const hub = new FeedHub<KiteMode>(
    (t, mode, c) => {
      lastSent.set(c.ws, Date.now());
      return encodeKiteFrame([packetFor(t, mode)]);
    },
    // Kite frames carry many packets: one frame per client per market step.
    (ticks, c) => {
      lastSent.set(c.ws, Date.now());
      return encodeKiteFrame(ticks.map(({ t, mode }) => packetFor(t, mode)));
    },
  );

  function packetFor(t: SimTick, mode: KiteMode): Buffer {
    const inst = byKey.get(t.key) as KiteSimInstrument;
    // LTP mode is the 8-byte packet: skip the quote and depth work entirely.
    if (mode === 'ltp') return encodeKitePacket('ltp', { token: inst.instrumentToken, lastPrice: t.paise });
    const q = (ctx as SimContext).market.quote(t.key);
    const tick = inst.tickSizePaise;
    const secs = Math.floor(t.ts / 1000);
    return encodeKitePacket(mode, {
      token: inst.instrumentToken,
      lastPrice: t.paise,
      lastQuantity: 1,
      averagePrice: Math.round((q.open + q.high + q.low + t.paise) / 4),
      volume: t.volume,
      buyQuantity: 1000,
      sellQuantity: 1000,
      open: q.open,
      high: q.high,
      low: q.low,
      close: q.close,
      lastTradeTime: secs,
      exchangeTimestamp: secs,
      depth: [
        ...[1, 2, 3, 4, 5].map((n) => ({ quantity: 10 * n, price: t.paise - n * tick, orders: n })),
        ...[1, 2, 3, 4, 5].map((n) => ({ quantity: 10 * n, price: t.paise + (n - 1) * tick, orders: n })),
      ],
    });
  }

  /** `Authorization: token api_key:access_token` → the sim account, or Kite's 403. */
  function authorize(req: SimRequest): { account: string } | SimResponse {
    const version = req.headers['x-kite-version'];
    if (version !== '3') return kiteError(400, 'InputException', 'Invalid or missing `X-Kite-Version` header. Use `3`.');
    const m = /^token ([^:]+):(.+)$/.exec(String(req.headers.authorization ?? ''));
    const app = m ? apps.get(m[1] as string) : undefined;
    if (!m || !app) return kiteError(403, 'TokenException', TOKEN_MESSAGE);
    const found = (ctx as SimContext).tokens.lookup(m[2]);
    // A token works only with the app it was issued for, as at Kite.
    if (found.kind !== 'ok' || found.account !== app.userId) return kiteError(403, 'TokenException', TOKEN_MESSAGE);
    return { account: found.account };
  }

  function authed(handler: (req: SimRequest, account: string) => SimResponse | Promise<SimResponse>) {
    return (req: SimRequest): SimResponse | Promise<SimResponse> => {
      const a = authorize(req);
      return 'account' in a ? handler(req, a.account) : a;
    };
  }

  function extrasFor(o: SimOrder): KiteOrderExtras {
    return (
      extras.get(o.id) ?? {
        variety: 'regular',
        validity: 'DAY',
        pricePaise: 0,
        triggerPricePaise: 0,
        disclosedQuantity: 0,
        marketProtection: 0,
        instrumentToken: byKey.get(o.key)?.instrumentToken ?? 0,
        exchangeOrderId: '',
        guid: '',
        placedBy: o.account,
      }
    );
  }

  function profile(userId: string): Record<string, unknown> {
    return {
      user_id: userId,
      user_type: 'individual',
      email: 'sim@example.com',
      user_name: 'Kite Sim User',
      user_shortname: 'Sim',
      broker: 'ZERODHA',
      exchanges: ['NSE', 'BSE', 'NFO', 'BFO', 'CDS', 'BCD', 'MCX', 'MF'],
      products: ['CNC', 'NRML', 'MIS', 'BO', 'CO'],
      order_types: ['MARKET', 'LIMIT', 'SL', 'SL-M'],
      avatar_url: null,
      meta: { demat_consent: 'physical' },
    };
  }

  function field(body: Record<string, string>, name: string): string | SimResponse {
    const v = body[name];
    return v === undefined || v === '' ? kiteError(400, 'InputException', `Missing or empty field \`${name}\`.`) : v;
  }

  function placeOrder(req: SimRequest, account: string): SimResponse {
    const c = ctx as SimContext;
    const variety = req.params.variety as string;
    if (variety !== 'regular' && variety !== 'amo') return kiteError(400, 'InputException', 'Invalid `variety`.');
    if (!orderRate.allow(account)) return module.rateLimitedResponse();
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, string>;
    const values: Record<string, string> = {};
    for (const name of REQUIRED_ORDER_FIELDS) {
      const v = field(body, name);
      if (typeof v !== 'string') return v;
      values[name] = v;
    }
    const side = values.transaction_type as string;
    if (side !== 'BUY' && side !== 'SELL') return kiteError(400, 'InputException', 'Invalid `transaction_type`.');
    const orderType = values.order_type as string;
    if (!ORDER_TYPES.has(orderType)) return kiteError(400, 'InputException', 'Invalid `order_type`.');
    if (!PRODUCTS.has(values.product as string)) return kiteError(400, 'InputException', 'Invalid `product`.');
    const quantity = Number(values.quantity);
    if (!Number.isInteger(quantity) || quantity <= 0) return kiteError(400, 'InputException', 'Invalid `quantity`.');
    const tag = body.tag ? body.tag : null;
    if (tag !== null && tag.length > 20) return kiteError(400, 'InputException', 'Tag length should be less than or equal to 20 characters.');
    const protection = Number(body.market_protection ?? 0);
    // From April 2026 Kite refuses MARKET/SL-M orders that carry no market protection.
    if ((orderType === 'MARKET' || orderType === 'SL-M') && (!Number.isFinite(protection) || protection === 0)) {
      return kiteError(400, 'InputException', 'Market orders without market protection are not allowed. Set `market_protection`.');
    }
    if ((orderType === 'LIMIT' || orderType === 'SL') && !(Number(body.price) > 0)) return kiteError(400, 'InputException', 'Invalid `price`.');
    const key = `${String(values.exchange).toUpperCase()}:${String(values.tradingsymbol).toUpperCase()}`;
    exchangeSeq += 1;
    guidSeq = (guidSeq + 1) % GUID_SPACE;
    const x: KiteOrderExtras = {
      variety,
      validity: body.validity || 'DAY',
      pricePaise: Math.round(Number(body.price ?? 0) * 100) || 0,
      triggerPricePaise: Math.round(Number(body.trigger_price ?? 0) * 100) || 0,
      disclosedQuantity: Number(body.disclosed_quantity ?? 0) || 0,
      marketProtection: protection,
      instrumentToken: byKey.get(key)?.instrumentToken ?? 0,
      exchangeOrderId: `13000000${String(exchangeSeq).padStart(8, '0')}`,
      guid: guidSeq.toString(16).padStart(12, '0'),
      placedBy: account,
    };
    const o = c.exchange.place({ account, tag, key, side, quantity, product: values.product as string, orderType });
    extras.set(o.id, x);
    return ok({ order_id: o.id });
  }

  function queueOrderUpdate(o: SimOrder): void {
    if (pendingUpdates.push(o) === 1) setImmediate(sendPendingUpdates);
  }

  function sendPendingUpdates(): void {
    for (const o of pendingUpdates.splice(0)) sendOrderUpdate(o);
  }

  function sendOrderUpdate(o: SimOrder): void {
    // Built only when the account has an open socket: most orders of a burst have no listener.
    let msg: string | null = null;
    for (const c of hub.clientsOf(o.account)) {
      if (c.ws.readyState !== c.ws.OPEN) continue;
      msg ??= orderUpdateMessage(o);
      c.ws.send(msg);
    }
  }

  function orderUpdateMessage(o: SimOrder): string {
    // The postback checksum uses the secret of the app whose user placed the order.
    const secret = secretByUser.get(o.account) ?? main.apiSecret;
    const checksum = createHash('sha256').update(`${o.id}${kiteTime(o.createdAt)}${secret}`).digest('hex');
    return JSON.stringify({ type: 'order', id: '', data: kitePostback(o, extrasFor(o), KITE_SIM_APP_ID, checksum) });
  }

  function handleClientMessage(client: FeedClient<KiteMode>, raw: string): void {
    let msg: { a?: unknown; v?: unknown };
    try {
      msg = JSON.parse(raw) as { a?: unknown; v?: unknown };
    } catch {
      client.ws.send(JSON.stringify({ type: 'error', data: 'Invalid message' }));
      return;
    }
    const tokensOf = (v: unknown): KiteSimInstrument[] =>
      (Array.isArray(v) ? v : []).map((t) => byToken.get(Number(t))).filter((i): i is KiteSimInstrument => i !== undefined);
    const fresh: KiteSimInstrument[] = [];
    if (msg.a === 'subscribe') {
      for (const i of tokensOf(msg.v)) {
        if (!client.subs.has(i.key)) fresh.push(i);
        client.subs.set(i.key, client.subs.get(i.key) ?? 'quote');
      }
    } else if (msg.a === 'unsubscribe') {
      for (const i of tokensOf(msg.v)) client.subs.delete(i.key);
    } else if (msg.a === 'mode' && Array.isArray(msg.v)) {
      const mode = msg.v[0];
      if (mode !== 'ltp' && mode !== 'quote' && mode !== 'full') return;
      for (const i of tokensOf(msg.v[1])) {
        if (!client.subs.has(i.key)) fresh.push(i);
        client.subs.set(i.key, mode);
      }
    }
    // Kite answers a new subscription with the instrument's current state straight away.
    if (fresh.length > 0 && !hub.silent && ctx) {
      const c = ctx;
      const packets = fresh.map((i) => {
        const q = c.market.quote(i.key);
        return packetFor({ key: i.key, paise: q.paise, ts: c.now(), volume: q.volume }, client.subs.get(i.key) as KiteMode);
      });
      lastSent.set(client.ws, Date.now());
      client.ws.send(encodeKiteFrame(packets));
    }
  }

  const module: BrokerSimModule = {
    name: 'zerodha',
    idPrefix: '2507150',

    register(router: HttpRouter, context: SimContext): void {
      ctx = context;
      const c = context;
      instruments = kiteSimInstruments(c.market.instruments());
      byToken = new Map(instruments.map((i) => [i.instrumentToken, i]));
      byKey = new Map(instruments.map((i) => [i.key, i]));
      c.exchange.onUpdate(queueOrderUpdate);

      // The browser step of Kite's redirect login, auto-approved for the sim user.
      router.on('GET', '/connect/login', (req) => {
        const app = apps.get(req.query.get('api_key') ?? '');
        if (!app) return kiteError(400, 'InputException', 'Invalid `api_key`.');
        const rt = randomBytes(16).toString('hex');
        requestTokens.set(rt, { until: c.now() + REQUEST_TOKEN_TTL_MS, apiKey: app.apiKey });
        const to = new URL(redirectUrl);
        const extra = req.query.get('redirect_params');
        if (extra) for (const [k, v] of new URLSearchParams(extra)) to.searchParams.set(k, v);
        to.searchParams.set('action', 'login');
        to.searchParams.set('type', 'login');
        to.searchParams.set('status', 'success');
        to.searchParams.set('request_token', rt);
        return { status: 302, headers: { location: to.toString() }, raw: '' };
      });

      router.on('POST', '/session/token', (req) => {
        const b = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, string>;
        const app = apps.get(b.api_key ?? '');
        if (!app) return kiteError(403, 'InputException', 'Invalid `api_key`.');
        const rt = b.request_token ?? '';
        const pending = requestTokens.get(rt);
        if (pending === undefined || pending.until <= c.now() || pending.apiKey !== app.apiKey) return kiteError(403, 'TokenException', 'Token is invalid or has expired.');
        const expected = createHash('sha256').update(`${app.apiKey}${rt}${app.apiSecret}`).digest('hex');
        if (b.checksum !== expected) return kiteError(403, 'TokenException', 'Invalid `checksum`.');
        requestTokens.delete(rt);
        const accessToken = c.tokens.issue(app.userId, kiteTokenTtlMs(c.now()), randomBytes(16).toString('hex'));
        return ok({
          ...profile(app.userId),
          api_key: app.apiKey,
          access_token: accessToken,
          public_token: randomBytes(8).toString('hex'),
          enctoken: randomBytes(12).toString('base64'),
          refresh_token: '',
          silo: '',
          login_time: kiteTime(c.now()),
        });
      });

      router.on('GET', '/user/profile', authed((_req, account) => ok(profile(account))));

      router.on('POST', '/orders/:variety', authed(placeOrder));

      router.on(
        'DELETE',
        '/orders/:variety/:order_id',
        authed((req, account) => {
          const r = c.exchange.cancel(account, req.params.order_id as string);
          if (r === 'not_found') return kiteError(400, 'InputException', "Couldn't find that `order_id`.");
          if (r === 'not_open') return kiteError(400, 'InputException', 'Order cannot be cancelled as it is being processed. Try later.');
          return ok({ order_id: r.id });
        }),
      );

      router.on(
        'GET',
        '/orders',
        authed((_req, account) => {
          if (c.faults.take('lookupErrors5xx')) return module.serverErrorResponse();
          return ok(c.exchange.list(account).map((o) => kiteOrderView(o, extrasFor(o))));
        }),
      );

      router.on(
        'GET',
        '/orders/:order_id',
        authed((req, account) => {
          if (c.faults.take('lookupErrors5xx')) return module.serverErrorResponse();
          const o = c.exchange.get(account, req.params.order_id as string);
          if (!o) return kiteError(400, 'InputException', "Couldn't find that `order_id`.");
          return ok(kiteOrderHistory(o, extrasFor(o)));
        }),
      );

      router.on(
        'GET',
        '/portfolio/positions',
        authed((_req, account) => {
          const rows = c.exchange.positions(account).map((p) => kitePositionView(p, byKey.get(p.key)?.instrumentToken ?? 0, c.market.price(p.key)));
          return ok({ net: rows, day: rows });
        }),
      );

      router.on(
        'GET',
        '/quote/ltp',
        authed((req) => {
          const out: Record<string, unknown> = {};
          for (const k of req.query.getAll('i')) {
            const inst = byKey.get(k);
            if (inst) out[k] = { instrument_token: inst.instrumentToken, last_price: c.market.price(k) / 100 };
          }
          return ok(out);
        }),
      );

      const csv = (exchange?: string): SimResponse => ({ status: 200, headers: { 'content-type': 'text/csv' }, raw: kiteInstrumentsCsv(instruments, exchange) });
      router.on('GET', '/instruments', () => csv());
      router.on('GET', '/instruments/:exchange', (req) => csv((req.params.exchange as string).toUpperCase()));
    },

    upgrade(req: Http1Request, context: SimContext): UpgradeDecision {
      const url = new URL(req.url ?? '/', 'http://sim');
      if (url.pathname !== '/') return { ok: false, status: 404 };
      const found = context.tokens.lookup(url.searchParams.get('access_token'));
      const app = apps.get(url.searchParams.get('api_key') ?? '');
      if (!app || found.kind !== 'ok' || found.account !== app.userId) {
        return { ok: false, status: 403, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'error', message: TOKEN_MESSAGE, data: null, error_type: 'TokenException' }) };
      }
      return { ok: true, account: found.account };
    },

    onConnection(ws: WebSocket, _req: Http1Request, account: string | null): void {
      const client = hub.add(ws, account);
      lastSent.set(ws, Date.now());
      const beat = setInterval(() => {
        if (ws.readyState === ws.OPEN && Date.now() - (lastSent.get(ws) ?? 0) >= 1000) {
          lastSent.set(ws, Date.now());
          ws.send(KITE_HEARTBEAT);
        }
      }, 1000);
      beat.unref();
      heartbeats.add(beat);
      ws.on('close', () => {
        clearInterval(beat);
        heartbeats.delete(beat);
      });
      ws.on('message', (data, isBinary) => {
        if (!isBinary) handleClientMessage(client, data.toString());
      });
    },

    onTick: (t) => hub.publish(t),
    subscribedKeys: () => hub.subscribedKeys(),
    setFeedSilent: (silent) => {
      hub.silent = silent;
    },
    dropFeeds: () => {
      hub.dropAll();
      for (const b of heartbeats) clearInterval(b);
      heartbeats.clear();
    },
    isOrderPlacement: (method, path) => method === 'POST' && /^\/orders\/[^/]+$/.test(path),
    rateLimitedResponse: () => kiteError(429, 'NetworkException', 'Too many requests'),
    serverErrorResponse: () => kiteError(502, 'NetworkException', 'Couldn\'t connect to the OMS. Please try again.'),
    reset: () => {
      orderRate.reset();
      extras.clear();
    },
  };
  return module;
}
