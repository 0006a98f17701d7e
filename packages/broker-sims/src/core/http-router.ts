import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SimRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** parsed JSON or form body (form values as strings); undefined when empty */
  body: unknown;
  rawBody: string;
  raw: IncomingMessage;
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

interface Route {
  method: string;
  parts: string[];
  handler: SimHandler;
}

/** A tiny router: the sims need exact control over status codes and bodies, and no framework opinions. */
export class HttpRouter {
  private readonly routes: Route[] = [];

  on(method: string, pattern: string, handler: SimHandler): this {
    this.routes.push({ method: method.toUpperCase(), parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  match(method: string, path: string): { handler: SimHandler; params: Record<string, string> } | null {
    const segs = path.split('/').filter(Boolean);
    for (const r of this.routes) {
      if (r.method !== method || r.parts.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segs.length; i++) {
        const p = r.parts[i] as string;
        const s = decodeURIComponent(segs[i] as string);
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

export async function readBody(req: IncomingMessage): Promise<{ raw: string; parsed: unknown }> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (!raw) return { raw, parsed: undefined };
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/x-www-form-urlencoded')) {
    return { raw, parsed: Object.fromEntries(new URLSearchParams(raw)) };
  }
  try {
    return { raw, parsed: JSON.parse(raw) as unknown };
  } catch {
    return { raw, parsed: raw };
  }
}

export function writeResponse(res: ServerResponse, r: SimResponse): void {
  if (r.hang) {
    const sock = res.socket;
    setTimeout(() => sock?.destroy(), r.hang.holdMs).unref();
    return;
  }
  if (r.raw !== undefined) {
    res.writeHead(r.status, r.headers ?? {});
    res.end(r.raw);
    return;
  }
  const body = r.body === undefined ? '' : JSON.stringify(r.body);
  res.writeHead(r.status, { 'content-type': 'application/json', ...(r.headers ?? {}) });
  res.end(body);
}
