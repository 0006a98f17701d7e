import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { SimMarket, type SimInstrument, type SimTick } from '@ats/market-sim';
import { Faults, type FaultSpec } from './faults';
import { HttpRouter, parseBody, writeResponse, type RouteMatch, type SimRequest, type SimResponse } from './http-router';
import { createHttp1Server, refuseUpgrade, type Http1Request, type Http1Responder } from './http1-server';
import { SimExchange } from './sim-exchange';
import { TokenRegistry } from './token-registry';

export interface SimContext {
  readonly market: SimMarket;
  readonly exchange: SimExchange;
  readonly faults: Faults;
  readonly tokens: TokenRegistry;
  readonly now: () => number;
  /** the sim's own base URL once listening, e.g. http://127.0.0.1:9001 */
  baseUrl(): string;
}

export type UpgradeDecision = { ok: true; account: string | null } | { ok: false; status: number; headers?: Record<string, string>; body?: string };

/** What one broker's wire protocol adds to the common sim: its REST routes and its feed socket. */
export interface BrokerSimModule {
  readonly name: string;
  /** broker order id prefix, so ids look like the broker's */
  readonly idPrefix: string;
  register(router: HttpRouter, ctx: SimContext): void;
  /** Decide a WebSocket handshake (auth from query/headers); omit when the broker has no socket. */
  upgrade?(req: Http1Request, ctx: SimContext): UpgradeDecision;
  onConnection?(ws: WebSocket, req: Http1Request, account: string | null, ctx: SimContext): void;
  /** Publish a market tick to this broker's sockets. */
  onTick?(t: SimTick): void;
  /** Keys any socket subscribed, so the sim ticks only what someone watches. */
  subscribedKeys?(): Set<string>;
  setFeedSilent?(silent: boolean): void;
  dropFeeds?(): void;
  /** Is this REST path one of the broker's order-placement endpoints? (for order faults) */
  isOrderPlacement?(method: string, path: string): boolean;
  /** The broker's own 429 response. */
  rateLimitedResponse(): SimResponse;
  /** The broker's own 5xx response. */
  serverErrorResponse(): SimResponse;
  reset?(): void;
}

export interface SimServerOptions {
  seed?: number;
  /** the market's instrument universe (default: the bundled NSE/BSE list) */
  instruments?: readonly SimInstrument[];
  /** how often subscribed instruments step (ms); 0 disables automatic ticking */
  tickIntervalMs?: number;
  now?: () => number;
}

export interface RunningSim {
  readonly url: string;
  readonly port: number;
  readonly ctx: SimContext;
  close(): Promise<void>;
}

/**
 * Hosts one broker's wire protocol (REST + WebSocket on one port) over a shared simulated market
 * and exchange, plus the `/_sim/` control API that tests use to set prices and inject faults.
 */
export async function startSim(module: BrokerSimModule, port = 0, opts: SimServerOptions = {}): Promise<RunningSim> {
  const now = opts.now ?? Date.now;
  const faults = new Faults();
  const market = new SimMarket({ seed: opts.seed ?? 42, now, ...(opts.instruments ? { instruments: opts.instruments } : {}) });
  const exchange = new SimExchange(market, faults, module.idPrefix, now);
  const tokens = new TokenRegistry(now);
  let base = '';
  const ctx: SimContext = { market, exchange, faults, tokens, now, baseUrl: () => base };

  const router = new HttpRouter();
  registerControlRoutes(router, ctx, module);
  module.register(router, ctx);

  /**
   * One request, synchronously unless a fault delays it or the handler is async: the benchmarks
   * measure at the sim, which shares the machine with the engine under test, so its own overhead
   * per order is kept small (no closures made per request: under tsx each one also pays for its
   * `name`, and a burst makes tens of thousands).
   */
  function serve(req: Http1Request, res: Http1Responder): void {
    // Origin-form targets ("/path?query") need no URL object; anything else is parsed properly.
    let path: string;
    let search: string;
    if (req.url.startsWith('/')) {
      const q = req.url.indexOf('?');
      path = q < 0 ? req.url : req.url.slice(0, q);
      search = q < 0 ? '' : req.url.slice(q + 1);
    } else {
      const url = new URL(req.url, 'http://sim');
      path = url.pathname;
      search = url.search.slice(1);
    }
    const m = router.match(req.method, path);
    if (!m) return writeResponse(res, { status: 404, body: { error: 'not found', path } });
    const isControl = path.startsWith('/_sim/');
    // Asked once: the 5xx and the timeout faults both apply to order placements only.
    const isPlacement = !isControl && module.isOrderPlacement?.(req.method, path) === true;
    const delay = isControl ? 0 : faults.spec.latencyMs;
    if (delay > 0) setTimeout(handleGuarded, delay, req, res, m, path, search, isControl, isPlacement);
    else handle(req, res, m, path, search, isControl, isPlacement);
  }

  function handleGuarded(req: Http1Request, res: Http1Responder, m: RouteMatch, path: string, search: string, isControl: boolean, isPlacement: boolean): void {
    try {
      handle(req, res, m, path, search, isControl, isPlacement);
    } catch (e) {
      bare500(res, e);
    }
  }

  function handle(req: Http1Request, res: Http1Responder, m: RouteMatch, path: string, search: string, isControl: boolean, isPlacement: boolean): void {
    if (!isControl) {
      if (faults.take('rateLimited')) return writeResponse(res, module.rateLimitedResponse());
      if (isPlacement && faults.take('errors5xx')) return writeResponse(res, module.serverErrorResponse());
    }
    const sreq: SimRequest = { method: req.method, path, params: m.params, query: new URLSearchParams(search), headers: req.headers, body: parseBody(req.headers['content-type'], req.body), rawBody: req.body };
    let out: SimResponse | Promise<SimResponse>;
    try {
      out = m.handler(sreq);
    } catch (e) {
      return answer(res, isPlacement, { status: 500, body: { error: String(e) } });
    }
    if (out instanceof Promise) {
      out.then(
        (o) => answer(res, isPlacement, o),
        (e: unknown) => answer(res, isPlacement, { status: 500, body: { error: String(e) } }),
      ).catch((e: unknown) => bare500(res, e));
    } else answer(res, isPlacement, out);
  }

  function answer(res: Http1Responder, isPlacement: boolean, out: SimResponse): void {
    // A "timeout" fault lets the order through, then loses the response.
    writeResponse(res, isPlacement && out.status < 300 && faults.take('timeouts') ? { status: 0, hang: { holdMs: faults.spec.hangMs } } : out);
  }

  /** What a handler throws becomes the sim's bare 500 (the request is answered either way). */
  function bare500(res: Http1Responder, e: unknown): void {
    res.reply(500, { 'content-type': 'text/plain' }, String(e));
  }
  const wss = new WebSocketServer({ noServer: true });
  const server = createHttp1Server({
    // Clients open keep-alive connections well before they use them (a benchmark, seconds before a
    // due time). Broker front ends (nginx, ALB) keep idle connections 60-75 s.
    idleTimeoutMs: 65_000,
    onRequest(req, res) {
      try {
        serve(req, res);
      } catch (e) {
        bare500(res, e);
      }
    },
    onUpgrade(req, socket, head) {
      if (!module.upgrade || !module.onConnection) {
        socket.destroy();
        return;
      }
      const d = module.upgrade(req, ctx);
      if (!d.ok) return refuseUpgrade(socket, d.status, d.headers ?? {}, d.body ?? '');
      // ws reads only the method, target and headers of the request it upgrades.
      wss.handleUpgrade(req as unknown as IncomingMessage, socket, head, (ws) => module.onConnection?.(ws, req, d.account, ctx));
    },
  });

  const unTick = market.onTick((t) => module.onTick?.(t));
  const interval = opts.tickIntervalMs ?? 250;
  const timer =
    interval > 0
      ? setInterval(() => {
          const keys = module.subscribedKeys?.();
          if (keys && keys.size > 0) market.step(keys);
        }, interval)
      : null;
  timer?.unref();

  const actualPort = await server.listen(port);
  base = `http://127.0.0.1:${actualPort}`;

  return {
    url: base,
    port: actualPort,
    ctx,
    close: async () => {
      if (timer) clearInterval(timer);
      unTick();
      module.dropFeeds?.();
      for (const c of wss.clients) c.terminate();
      wss.close();
      await server.close();
    },
  };
}

function num(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function keyOf(body: Record<string, unknown>): string {
  return `${String(body.exchange ?? 'NSE').toUpperCase()}:${String(body.symbol ?? '').toUpperCase()}`;
}

/** Prices in the control API are paise (`paise`, `path`) or rupees (`price`, `pricesRupees`). */
function registerControlRoutes(router: HttpRouter, ctx: SimContext, module: BrokerSimModule): void {
  const { market, exchange, faults, tokens } = ctx;
  const bad = (msg: string): SimResponse => ({ status: 400, body: { error: msg } });

  router.on('GET', '/_sim/health', () => ({ status: 200, body: { ok: true, broker: module.name } }));

  router.on('POST', '/_sim/price', (req) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const key = keyOf(b);
    if (!market.has(key)) return bad(`unknown instrument ${key}`);
    const p = num(b.paise) ?? (num(b.price) !== undefined ? Math.round((num(b.price) as number) * 100) : undefined);
    if (p === undefined || p <= 0) return bad('paise or price required');
    market.setPrice(key, p);
    return { status: 200, body: { key, paise: p } };
  });

  router.on('POST', '/_sim/path', (req) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const key = keyOf(b);
    if (!market.has(key)) return bad(`unknown instrument ${key}`);
    const path = Array.isArray(b.path) ? b.path.map(Number) : Array.isArray(b.pricesRupees) ? b.pricesRupees.map((x) => Math.round(Number(x) * 100)) : null;
    if (!path || path.some((x) => !Number.isFinite(x) || x <= 0)) return bad('path (paise[]) or pricesRupees required');
    market.setPath(key, path);
    return { status: 200, body: { key, steps: path.length } };
  });

  router.on('POST', '/_sim/step', (req) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    market.step(b.symbol ? [keyOf(b)] : undefined);
    return { status: 200, body: { ok: true } };
  });

  router.on('POST', '/_sim/market', (req) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.walk === 'boolean') market.walkEnabled = b.walk;
    return { status: 200, body: { walk: market.walkEnabled } };
  });

  router.on('POST', '/_sim/faults', (req) => {
    const spec = (req.body ?? {}) as FaultSpec;
    faults.set(spec);
    if (typeof spec.feedSilent === 'boolean') module.setFeedSilent?.(spec.feedSilent);
    return { status: 200, body: faults.spec };
  });

  router.on('DELETE', '/_sim/faults', () => {
    faults.clear();
    module.setFeedSilent?.(false);
    return { status: 200, body: faults.spec };
  });

  router.on('POST', '/_sim/expire-tokens', () => {
    tokens.expireAll();
    return { status: 200, body: { ok: true } };
  });

  router.on('POST', '/_sim/drop-feeds', () => {
    module.dropFeeds?.();
    return { status: 200, body: { ok: true } };
  });

  router.on('GET', '/_sim/orders', (req) => {
    const account = req.query.get('account') ?? undefined;
    const tag = req.query.get('tag');
    let list = exchange.list(account);
    if (tag) list = list.filter((o) => o.tag === tag);
    return { status: 200, body: { orders: list } };
  });

  router.on('POST', '/_sim/orders/:id/fill', (req) => {
    const o = exchange.find(req.params.id as string);
    if (!o) return { status: 404, body: { error: 'no such order' } };
    const b = (req.body ?? {}) as Record<string, unknown>;
    exchange.fill(o, num(b.quantity) ?? o.quantity - o.filled);
    return { status: 200, body: o };
  });

  router.on('GET', '/_sim/positions', (req) => {
    const account = req.query.get('account');
    if (!account) return bad('account required');
    return { status: 200, body: { positions: exchange.positions(account) } };
  });

  router.on('POST', '/_sim/reset', () => {
    exchange.reset();
    faults.clear();
    module.setFeedSilent?.(false);
    market.walkEnabled = true;
    module.reset?.();
    return { status: 200, body: { ok: true } };
  });
}
