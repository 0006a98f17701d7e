import type { IncomingHttpHeaders } from 'node:http';
import type { Http1Responder } from './http1-server';

export interface SimRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** parsed JSON or form body (form values as strings); undefined when empty */
  body: unknown;
  rawBody: string;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** send the body verbatim (CSV, gzip...) instead of JSON */
  raw?: string | Buffer;
  /** never answer: the socket is held, then destroyed after `holdMs` (simulates a lost response) */
  hang?: { holdMs: number };
}

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

/** A route found for a request: its handler and the path's named parameters. */
export type RouteMatch = { handler: SimHandler; params: Record<string, string> };

interface Route {
  parts: string[];
  handler: SimHandler;
}

const JSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json' };

/** A tiny router: the sims need exact control over status codes and bodies, and no framework opinions. */
export class HttpRouter {
  /** Routes per method, in registration order: the first match wins. */
  private readonly routes = new Map<string, Route[]>();

  on(method: string, pattern: string, handler: SimHandler): this {
    const key = method.toUpperCase();
    let list = this.routes.get(key);
    if (!list) {
      list = [];
      this.routes.set(key, list);
    }
    list.push({ parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  match(method: string, path: string): RouteMatch | null {
    const segs = path.split('/').filter(Boolean);
    for (const r of this.routes.get(method) ?? []) {
      if (r.parts.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segs.length; i++) {
        const p = r.parts[i] as string;
        const seg = segs[i] as string;
        // Only a segment with an escape needs decoding (and only it can throw on a bad one).
        const s = seg.includes('%') ? decodeURIComponent(seg) : seg;
        if (p.startsWith(':')) params[p.slice(1)] = s;
        else if (p !== s) {
          ok = false;
          break;
        }
      }
      if (ok) return { handler: r.handler, params };
    }
    return null;
  }
}

/** A request body as handlers get it: a form as its fields, JSON parsed, anything else as it came. */
export function parseBody(contentType: string | undefined, raw: string): unknown {
  if (!raw) return undefined;
  const type = contentType ?? '';
  if (type.includes('application/x-www-form-urlencoded')) {
    return formFields(raw);
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/**
 * A form body as `Object.fromEntries(new URLSearchParams(raw))` gives it, split by hand: an order's
 * form is a dozen plain fields, and URLSearchParams' general parser was a tenth of the sim's CPU per
 * order. `+` is a space and `%XX` is decoded as there; a malformed escape (which URLSearchParams keeps
 * as it is) or a `__proto__` field (assignment would set no own property) takes URLSearchParams.
 */
export function formFields(raw: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let at = 0; at <= raw.length; ) {
    let end = raw.indexOf('&', at);
    if (end < 0) end = raw.length;
    if (end > at) {
      const eq = raw.indexOf('=', at);
      const split = eq >= 0 && eq < end;
      const name = decodeFormPart(raw.slice(at, split ? eq : end));
      const value = split ? decodeFormPart(raw.slice(eq + 1, end)) : '';
      if (name === null || value === null || name === '__proto__') return Object.fromEntries(new URLSearchParams(raw));
      fields[name] = value;
    }
    at = end + 1;
  }
  return fields;
}

/** One name or value of a form body, decoded; null when an escape is malformed. */
function decodeFormPart(part: string): string | null {
  const spaced = part.includes('+') ? part.replaceAll('+', ' ') : part;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return null;
  }
}

export function writeResponse(res: Http1Responder, r: SimResponse): void {
  if (r.hang) return res.hold(r.hang.holdMs);
  if (r.raw !== undefined) return res.reply(r.status, r.headers ?? {}, r.raw);
  res.reply(r.status, r.headers ? { ...JSON_HEADERS, ...r.headers } : JSON_HEADERS, r.body === undefined ? '' : JSON.stringify(r.body));
}
