import { randomBytes } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import type { HttpRouter, SimRequest, SimResponse } from '../core/http-router';
import type { RateWindow } from '../core/rate-window';
import type { SimContext } from '../core/sim-server';
import type { SimOrder } from '../core/sim-exchange';
import { DHAN_SIM_ACCOUNTS, type DhanSimAccount } from './dhan-sim-accounts';
import type { DhanSecurities } from './dhan-securities';
import { DH901, DH904, DH905, DH906, dhanError, istDateTime, istIso, istTokenValidity } from './dhan-wire';

export const DHAN_TOKEN_TTL_MS = 24 * 3600 * 1000;

export interface DhanRestState {
  securities: DhanSecurities;
  /** Order APIs: 10/s per account. */
  orderRate: RateWindow;
  /** Quote APIs (marketfeed ltp/ohlc/quote): 1/s per account. */
  quoteRate: RateWindow;
  /** What Dhan echoes that the neutral SimOrder does not keep. */
  extra: Map<string, { price: number; validity: string; exchangeOrderId: string }>;
}

const PRODUCTS = ['CNC', 'INTRADAY', 'MARGIN', 'MTF', 'CO', 'BO'];
const ORDER_TYPES = ['LIMIT', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_MARKET'];
const CORRELATION_ID = /^[a-zA-Z0-9 _-]{1,30}$/;

function account(clientId: string | null | undefined): DhanSimAccount | undefined {
  return DHAN_SIM_ACCOUNTS.find((a) => a.clientId === clientId);
}

/** A JWT-shaped token like Dhan's (HS512 header, dhan claims); the signature is random: only the sim checks it. */
function mintToken(clientId: string, expiresAt: number): string {
  const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = { iss: 'dhan', partnerId: '', exp: Math.floor(expiresAt / 1000), tokenConsumerType: 'SELF', webhookUrl: '', dhanClientId: clientId };
  return `${part({ typ: 'JWT', alg: 'HS512' })}.${part(claims)}.${randomBytes(48).toString('base64url')}`;
}

function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `access-token` + `client-id` (the SDK's profile call sends `dhanClientId` instead); both must agree. */
function authenticate(req: SimRequest, ctx: SimContext): { account: string } | SimResponse {
  const token = header(req, 'access-token');
  const clientId = header(req, 'client-id') ?? header(req, 'dhanclientid');
  const t = ctx.tokens.lookup(token);
  if (t.kind !== 'ok') return DH901();
  if (clientId !== undefined && clientId !== t.account) return DH901();
  return { account: t.account };
}

function isResponse(x: { account: string } | SimResponse): x is SimResponse {
  return (x as SimResponse).status !== undefined;
}

function num(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  return Number.isFinite(n) ? n : undefined;
}

function rupees(p: number): number {
  return Math.round(p) / 100;
}

function orderStatus(o: SimOrder): string {
  switch (o.status) {
    case 'OPEN':
      return o.filled > 0 ? 'PART_TRADED' : 'PENDING';
    case 'COMPLETE':
      return 'TRADED';
    case 'CANCELLED':
      return 'CANCELLED';
    case 'REJECTED':
      return 'REJECTED';
  }
}

export function registerDhanRoutes(router: HttpRouter, ctx: SimContext, st: DhanRestState): void {
  const { exchange, market } = ctx;

  const renderOrder = (o: SimOrder): Record<string, unknown> => {
    const sec = st.securities.forKey(o.key);
    const x = st.extra.get(o.id);
    const rejected = o.status === 'REJECTED';
    return {
      dhanClientId: o.account,
      orderId: o.id,
      exchangeOrderId: rejected ? '' : (x?.exchangeOrderId ?? ''),
      correlationId: o.tag ?? '',
      orderStatus: orderStatus(o),
      transactionType: o.side,
      exchangeSegment: sec?.segment ?? 'NSE_EQ',
      productType: o.product,
      orderType: o.orderType,
      validity: x?.validity ?? 'DAY',
      tradingSymbol: sec?.inst.symbol ?? o.key.split(':')[1],
      securityId: sec?.securityId ?? '',
      quantity: o.quantity,
      disclosedQuantity: 0,
      price: x?.price ?? 0,
      triggerPrice: 0,
      afterMarketOrder: false,
      boProfitValue: 0,
      boStopLossValue: 0,
      legName: 'NA',
      createTime: istDateTime(o.createdAt),
      updateTime: istDateTime(o.updatedAt),
      exchangeTime: rejected ? '0001-01-01 00:00:00' : istDateTime(o.createdAt),
      drvExpiryDate: '0001-01-01 00:00:00',
      drvOptionType: 'NA',
      drvStrikePrice: 0,
      omsErrorCode: rejected ? '16387' : '0',
      omsErrorDescription: rejected ? `RMS:Rule: ${o.message ?? 'Order rejected'}` : (o.message ?? ''),
      algoId: '0',
      remainingQuantity: o.quantity - o.filled,
      averageTradedPrice: o.filled > 0 ? rupees(o.averagePaise) : 0,
      filledQty: o.filled,
    };
  };

  const tokenBody = (a: DhanSimAccount, token: string, expiresAt: number): Record<string, unknown> => ({
    dhanClientId: a.clientId,
    dhanClientName: a.name,
    dhanClientUcc: `SIM${a.clientId.slice(-4)}`,
    givenPowerOfAttorney: true,
    accessToken: token,
    expiryTime: istIso(expiresAt),
  });

  // auth.dhan.co: PIN + TOTP login. Query parameters only, no body.
  router.on('POST', '/app/generateAccessToken', (req) => {
    const a = account(req.query.get('dhanClientId'));
    const pin = req.query.get('pin') ?? '';
    const totp = req.query.get('totp') ?? '';
    if (!a) return dhanError(400, 'Invalid_Authentication', 'DH-901', 'Invalid dhanClientId');
    if (!/^\d{6}$/.test(totp) || !/^\d{4,6}$/.test(pin)) return dhanError(400, 'Input_Exception', 'DH-905', 'PIN and TOTP must be numeric');
    if (pin !== a.pin) return dhanError(401, 'Invalid_Authentication', 'DH-901', 'Invalid PIN');
    const gen = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(a.totpSecret), digits: 6, period: 30, algorithm: 'SHA1' });
    if (gen.validate({ token: totp, timestamp: ctx.now(), window: 1 }) === null) return dhanError(401, 'Invalid_Authentication', 'DH-901', 'Invalid TOTP');
    const expiresAt = ctx.now() + DHAN_TOKEN_TTL_MS;
    const token = ctx.tokens.issue(a.clientId, DHAN_TOKEN_TTL_MS, mintToken(a.clientId, expiresAt));
    return { status: 200, body: tokenBody(a, token, expiresAt) };
  });

  // Renew an active token for another 24 h.
  router.on('GET', '/v2/RenewToken', (req) => {
    const who = authenticate(req, ctx);
    if (isResponse(who)) return who;
    const a = account(who.account) as DhanSimAccount;
    const expiresAt = ctx.now() + DHAN_TOKEN_TTL_MS;
    const token = ctx.tokens.issue(a.clientId, DHAN_TOKEN_TTL_MS, mintToken(a.clientId, expiresAt));
    return { status: 200, body: tokenBody(a, token, expiresAt) };
  });

  router.on('GET', '/v2/profile', (req) => {
    const who = authenticate(req, ctx);
    if (isResponse(who)) return who;
    const exp = ctx.tokens.expiresAt(header(req, 'access-token') ?? '') ?? ctx.now();
    return {
      status: 200,
      body: {
        dhanClientId: who.account,
        tokenValidity: istTokenValidity(exp),
        activeSegment: 'Equity, Derivative, Currency, Commodity',
        ddpi: 'Active',
        mtf: 'Active',
        dataPlan: 'Active',
        dataValidity: `${istDateTime(ctx.now() + 30 * 86_400_000)}.0`,
      },
    };
  });

  router.on('POST', '/v2/orders', (req) => {
    const who = authenticate(req, ctx);
    if (isResponse(who)) return who;
    if (!st.orderRate.allow(who.account)) return DH904();
    const b = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
    if (b.dhanClientId !== undefined && String(b.dhanClientId) !== who.account) return DH905('dhanClientId does not match the access token');
    const side = String(b.transactionType ?? '');
    if (side !== 'BUY' && side !== 'SELL') return DH905('Invalid transactionType');
    const segment = String(b.exchangeSegment ?? '');
    if (segment !== 'NSE_EQ' && segment !== 'BSE_EQ') return DH905('Invalid exchangeSegment');
    const product = String(b.productType ?? '');
    if (!PRODUCTS.includes(product)) return DH905('Invalid productType');
    const orderType = String(b.orderType ?? '');
    if (!ORDER_TYPES.includes(orderType)) return DH905('Invalid orderType');
    const validity = String(b.validity ?? '');
    if (validity !== 'DAY' && validity !== 'IOC') return DH905('Invalid validity');
    const qty = num(b.quantity);
    if (qty === undefined || !Number.isInteger(qty) || qty <= 0) return DH905('Invalid quantity');
    const correlationId = b.correlationId === undefined || b.correlationId === '' ? null : String(b.correlationId);
    if (correlationId !== null && !CORRELATION_ID.test(correlationId)) return DH905('Invalid correlationId');
    const sec = st.securities.find(segment, String(b.securityId ?? ''));
    if (!sec) return DH906('Invalid SecurityId');
    const price = num(b.price) ?? 0;
    if (orderType === 'LIMIT' || orderType === 'STOP_LOSS') {
      const p = Math.round(price * 100);
      if (price <= 0 || p % sec.inst.tickSizePaise !== 0) return DH906('Price is not a multiple of tick size');
    }
    const o = exchange.place({ account: who.account, tag: correlationId, key: sec.key, side, quantity: qty, product, orderType });
    st.extra.set(o.id, { price, validity, exchangeOrderId: `1100000${o.id.slice(-9)}` });
    // RMS rejections surface in the order book (REJECTED + omsErrorDescription), not in this answer.
    return { status: 200, body: { orderId: o.id, orderStatus: o.status === 'REJECTED' ? 'TRANSIT' : 'PENDING' } };
  });

  router.on('DELETE', '/v2/orders/:id', (req) => {
    const who = authenticate(req, ctx);
    if (isResponse(who)) return who;
    if (!st.orderRate.allow(who.account)) return DH904();
    const r = exchange.cancel(who.account, req.params.id ?? '');
    if (r === 'not_found') return DH906('Order not found');
    if (r === 'not_open') return DH906('Order is not in a cancellable state');
    return { status: 202, body: { orderId: r.id, orderStatus: 'CANCELLED' } };
  });

  router.on('GET', '/v2/orders', (req) => {
    const who = authenticate(req, ctx);
    if (isResponse(who)) return who;
    return { status: 200, body: exchange.list(who.account).map(renderOrder) };
  });

  const lookupFault = (): SimResponse | null => (ctx.faults.take('lookupErrors5xx') ? dhanError(500, 'Internal_Server_Error', 'DH-908', 'Internal server error') : null);

  router.on('GET', '/v2/orders/external/:correlationId', (req) => {
    const who = authenticate(req, ctx);
    if (isResponse(who)) return who;
    const fault = lookupFault();
    if (fault) return fault;
    const matches = exchange.byTag(who.account, req.params.correlationId ?? '');
    const latest = matches[matches.length - 1];
    if (!latest) return dhanError(404, 'Input_Exception', 'DH-905', 'No order found for the given correlation id');
    return { status: 200, body: renderOrder(latest) };
  });

  router.on('GET', '/v2/orders/:id', (req) => {
    const who = authenticate(req, ctx);
    if (isResponse(who)) return who;
    const fault = lookupFault();
    if (fault) return fault;
    const o = exchange.get(who.account, req.params.id ?? '');
    if (!o) return dhanError(404, 'Input_Exception', 'DH-905', 'No order found for the given order id');
    return { status: 200, body: renderOrder(o) };
  });

  router.on('GET', '/v2/positions', (req) => {
    const who = authenticate(req, ctx);
    if (isResponse(who)) return who;
    const body = exchange.positions(who.account).map((p) => {
      const sec = st.securities.forKey(p.key);
      const buyAvg = p.buyQty > 0 ? rupees(p.buyValue / p.buyQty) : 0;
      const sellAvg = p.sellQty > 0 ? rupees(p.sellValue / p.sellQty) : 0;
      const ltp = market.price(p.key);
      const closedQty = Math.min(p.buyQty, p.sellQty);
      return {
        dhanClientId: who.account,
        tradingSymbol: sec?.inst.symbol ?? p.key,
        securityId: sec?.securityId ?? '',
        positionType: p.net > 0 ? 'LONG' : p.net < 0 ? 'SHORT' : 'CLOSED',
        exchangeSegment: sec?.segment ?? 'NSE_EQ',
        productType: p.product,
        buyAvg,
        buyQty: p.buyQty,
        costPrice: p.net > 0 ? buyAvg : p.net < 0 ? sellAvg : 0,
        sellAvg,
        sellQty: p.sellQty,
        netQty: p.net,
        realizedProfit: rupees(closedQty * ((p.sellQty ? p.sellValue / p.sellQty : 0) - (p.buyQty ? p.buyValue / p.buyQty : 0))),
        unrealizedProfit: rupees(p.net * (ltp - (p.net > 0 ? p.buyValue / (p.buyQty || 1) : p.sellValue / (p.sellQty || 1)))),
        rbiReferenceRate: 1,
        multiplier: 1,
        carryForwardBuyQty: 0,
        carryForwardSellQty: 0,
        carryForwardBuyValue: 0,
        carryForwardSellValue: 0,
        dayBuyQty: p.buyQty,
        daySellQty: p.sellQty,
        dayBuyValue: rupees(p.buyValue),
        daySellValue: rupees(p.sellValue),
        drvExpiryDate: '0001-01-01',
        drvOptionType: null,
        drvStrikePrice: 0,
        crossCurrency: false,
      };
    });
    return { status: 200, body };
  });

  router.on('POST', '/v2/marketfeed/ltp', (req) => {
    const who = authenticate(req, ctx);
    if (isResponse(who)) return who;
    if (!st.quoteRate.allow(who.account)) return DH904();
    const b = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
    const data: Record<string, Record<string, { last_price: number }>> = {};
    for (const [segment, ids] of Object.entries(b)) {
      if (!Array.isArray(ids)) return DH905(`Invalid instrument list for ${segment}`);
      const out: Record<string, { last_price: number }> = {};
      for (const id of ids) {
        const sec = st.securities.find(segment, String(id));
        if (sec) out[sec.securityId] = { last_price: rupees(market.price(sec.key)) };
      }
      data[segment] = out;
    }
    return { status: 200, body: { data, status: 'success' } };
  });

  const csv = (): SimResponse => ({ status: 200, headers: { 'content-type': 'text/csv' }, raw: st.securities.scripMasterCsv() });
  router.on('GET', '/api-scrip-master.csv', csv);
  router.on('GET', '/api-data/api-scrip-master.csv', csv);
}
