import type { z } from 'zod';
import { AuthResponse } from '@ats/contracts';
import { ApiError, errorFromResponse, networkError } from './errors';

export interface StoredTokens {
  access_token: string;
  refresh_token: string;
  /** epoch ms; computed from `expires_in` when the pair arrived, so no JWT decoding is needed */
  access_expires_at: number;
}

/** How the client reaches the session it serves; the session store implements this. */
export interface SessionLink {
  baseUrl(): string;
  tokens(): StoredTokens | null;
  /** a rotated pair arrived: persist it before anything else uses the old refresh token */
  tokensRotated(auth: AuthResponse): void;
  /** the refresh token was refused: the session is over on this device */
  sessionLost(error: ApiError): void;
}

export interface RequestOptions<S extends z.ZodType> {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | number | undefined | null>;
  /** validates the 2xx body; omitted for 204 */
  schema?: S;
  /** false for the endpoints that work without a bearer token (login, register, refresh) */
  auth?: boolean;
  signal?: AbortSignal;
}

export interface ApiClientOptions {
  link: SessionLink;
  fetch?: typeof fetch;
  timeoutMs?: number;
  now?: () => number;
}

// Refresh a little early so a request never leaves with a token that expires in flight.
const EARLY_REFRESH_MS = 30_000;

export function joinUrl(base: string, path: string, query?: RequestOptions<z.ZodType>['query']): string {
  const url = `${base.replace(/\/+$/, '')}${path}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${url}?${qs}` : url;
}

/**
 * The one way the app talks HTTP to the server: JSON in and out, responses checked against the
 * shared contracts, errors turned into ApiError, and the access token refreshed without the
 * trader noticing. Refreshes are single-flight because the server treats a reused refresh token
 * as theft and revokes the whole family.
 */
export class ApiClient {
  private readonly link: SessionLink;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private refreshing: Promise<StoredTokens | null> | null = null;

  constructor(opts: ApiClientOptions) {
    this.link = opts.link;
    this.fetchImpl = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.now = opts.now ?? Date.now;
  }

  async request<S extends z.ZodType>(path: string, opts: RequestOptions<S> = {}): Promise<z.infer<S>> {
    const needsAuth = opts.auth !== false;
    let token: string | null = null;
    if (needsAuth) {
      const tokens = await this.accessTokens();
      token = tokens.access_token;
    }
    let res = await this.send(path, opts, token);
    if (needsAuth && res.status === 401) {
      // The token may have been revoked or expired early (clock skew): one refresh, one retry.
      const fresh = await this.refresh(token);
      res = await this.send(path, opts, fresh.access_token);
      if (res.status === 401) {
        const err = await this.toError(res);
        this.loseSession(err);
        throw err;
      }
    }
    if (!res.ok) throw await this.toError(res);
    if (!opts.schema || res.status === 204) return undefined as z.infer<S>;
    const body: unknown = await res.json().catch(() => undefined);
    const parsed = opts.schema.safeParse(body);
    if (!parsed.success) {
      throw new ApiError({ kind: 'unexpected', status: res.status, code: 'BAD_RESPONSE', message: 'The server answered in a format this app does not understand. Update the app or check the server URL.' });
    }
    return parsed.data;
  }

  /** A usable access token for the WebSocket handshake, refreshed first if it is about to expire. */
  async freshAccessToken(): Promise<string> {
    return (await this.accessTokens()).access_token;
  }

  private async accessTokens(): Promise<StoredTokens> {
    const tokens = this.link.tokens();
    if (!tokens) {
      // Already signed out (a screen still fetching after logout or a refused token): just fail.
      // Ending the session again would replace the login screen's notice with this one.
      throw new ApiError({ kind: 'unauthenticated', status: 401, code: 'UNAUTHENTICATED', message: 'Please sign in to continue.' });
    }
    if (tokens.access_expires_at - EARLY_REFRESH_MS > this.now()) return tokens;
    return this.refresh(tokens.access_token);
  }

  /**
   * `staleAccess` is the token that failed; if another caller already rotated past it, that
   * result is reused instead of spending the refresh token a second time.
   */
  private async refresh(staleAccess: string | null): Promise<StoredTokens> {
    const current = this.link.tokens();
    if (current && staleAccess !== null && current.access_token !== staleAccess && current.access_expires_at - EARLY_REFRESH_MS > this.now()) return current;
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    const fresh = await this.refreshing;
    if (!fresh) {
      const err = new ApiError({ kind: 'unauthenticated', status: 401, code: 'TOKEN_EXPIRED', message: 'Your session has expired. Please sign in again.' });
      throw err;
    }
    return fresh;
  }

  private async doRefresh(): Promise<StoredTokens | null> {
    const tokens = this.link.tokens();
    if (!tokens) return null;
    // A network failure propagates as-is: being offline is not a reason to sign the trader out.
    const res = await this.send('/auth/refresh', { method: 'POST', body: { refresh_token: tokens.refresh_token } }, null);
    // The trader may have signed out (or in again) while the refresh was in flight; its answer
    // then belongs to a session that is gone and must neither revive nor end the current one.
    const sameSession = this.link.tokens()?.refresh_token === tokens.refresh_token;
    if (res.ok) {
      const parsed = AuthResponse.safeParse(await res.json().catch(() => undefined));
      if (parsed.success) {
        if (sameSession) this.link.tokensRotated(parsed.data);
        return this.link.tokens();
      }
    }
    if (res.status >= 500 || res.status === 429) throw await this.toError(res);
    const err = res.ok
      ? new ApiError({ kind: 'unauthenticated', status: 401, code: 'TOKEN_EXPIRED', message: 'Your session has expired. Please sign in again.' })
      : await this.toError(res);
    if (sameSession) this.link.sessionLost(err);
    return null;
  }

  /** Ends the session only while there is one: a late 401 after sign-out keeps the first notice. */
  private loseSession(err: ApiError): void {
    if (this.link.tokens()) this.link.sessionLost(err);
  }

  private async send(path: string, opts: RequestOptions<z.ZodType>, token: string | null): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.timeoutMs);
    const onAbort = () => timeout.abort();
    opts.signal?.addEventListener('abort', onAbort);
    try {
      return await this.fetchImpl(joinUrl(this.link.baseUrl(), path, opts.query), {
        method: opts.method ?? 'GET',
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: timeout.signal,
      });
    } catch (e) {
      throw networkError(e);
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async toError(res: Response): Promise<ApiError> {
    const body: unknown = await res.json().catch(() => undefined);
    return errorFromResponse(res.status, body, res.headers.get('retry-after'), this.now());
  }
}
