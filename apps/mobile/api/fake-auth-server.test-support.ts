import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small stand-in for the real server's auth rules, for client and session tests: access tokens
 * that can be expired on demand, refresh tokens that rotate, and reuse that revokes the family.
 */
export interface FakeAuthServer {
  url: string;
  refreshCalls: number;
  validAccess: Set<string>;
  /** refresh tokens that may still be used once */
  liveRefresh: Set<string>;
  /** per-path canned failures: [status, body, headers] */
  failures: Map<string, [number, unknown, Record<string, string>?]>;
  expireAllAccess(): void;
  revokeAllRefresh(): void;
  close(): Promise<void>;
}

const USER = { id: '2b0f6c4e-1d6a-4c7e-9b3e-7a1f0e9d4c21', email: 'asha@example.com', name: 'Asha', created_at: '2026-01-01T00:00:00.000Z' };

export async function startFakeAuthServer(): Promise<FakeAuthServer> {
  let n = 0;
  const state = {
    refreshCalls: 0,
    validAccess: new Set<string>(),
    liveRefresh: new Set<string>(),
    failures: new Map<string, [number, unknown, Record<string, string>?]>(),
  };

  const issue = () => {
    n += 1;
    const access = `access-${n}`;
    const refresh = `refresh-${n}`;
    state.validAccess.add(access);
    state.liveRefresh.add(refresh);
    return { access_token: access, refresh_token: refresh, token_type: 'bearer', expires_in: 900, user: USER };
  };

  const readBody = (req: IncomingMessage) =>
    new Promise<Record<string, unknown>>((resolve) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => resolve(text ? (JSON.parse(text) as Record<string, unknown>) : {}));
    });

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };

  const server = createServer(async (req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const body = await readBody(req);
    const failure = state.failures.get(path);
    if (failure) return send(res, failure[0], failure[1], failure[2]);

    if (path === '/auth/login') {
      if (body.password !== 'Tr4der-Secret!') return send(res, 401, { error: { code: 'INVALID_CREDENTIALS', message: 'Email or password is wrong' } });
      return send(res, 200, issue());
    }
    if (path === '/auth/refresh') {
      state.refreshCalls += 1;
      const token = String(body.refresh_token);
      if (!state.liveRefresh.has(token)) {
        // Reuse of a rotated token: the real server revokes the whole family.
        state.liveRefresh.clear();
        state.validAccess.clear();
        return send(res, 401, { error: { code: 'REFRESH_TOKEN_REUSED', message: 'Refresh token was already used' } });
      }
      state.liveRefresh.delete(token);
      return send(res, 200, issue());
    }
    if (path === '/auth/logout') return send(res, 200, { ok: true });

    const auth = req.headers.authorization ?? '';
    const access = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!state.validAccess.has(access)) return send(res, 401, { error: { code: 'TOKEN_EXPIRED', message: 'Access token expired' } });

    if (path === '/auth/me') return send(res, 200, USER);
    if (path === '/broker/status') return send(res, 200, { items: [] });
    return send(res, 404, { error: { code: 'ROUTE_NOT_FOUND', message: 'No such route' } });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get refreshCalls() {
      return state.refreshCalls;
    },
    set refreshCalls(v: number) {
      state.refreshCalls = v;
    },
    validAccess: state.validAccess,
    liveRefresh: state.liveRefresh,
    failures: state.failures,
    expireAllAccess: () => state.validAccess.clear(),
    revokeAllRefresh: () => state.liveRefresh.clear(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const TEST_USER = USER;
