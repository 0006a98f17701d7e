import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import { startFakeAuthServer, TEST_USER, type FakeAuthServer } from '../api/fake-auth-server.test-support';
import { memoryStorage } from './memory-storage.test-support';
import { createSession, normalizeServerUrl, STORAGE_KEYS } from './session-store';

let server: FakeAuthServer;
beforeEach(async () => {
  server = await startFakeAuthServer();
});
afterEach(async () => {
  await server.close();
});

const signedInSession = async (opts: { now?: () => number } = {}) => {
  const storage = memoryStorage();
  const onSignedOut = vi.fn();
  const s = createSession({ storage, defaultServerUrl: server.url, onSignedOut, ...opts });
  await s.store.getState().boot();
  await s.store.getState().login({ email: 'asha@example.com', password: 'Tr4der-Secret!' });
  return { ...s, storage, onSignedOut };
};

describe('session: sign in and launch', () => {
  it('logs in, persists tokens and user, and a relaunch goes straight to signed in', async () => {
    const { store, storage } = await signedInSession();
    expect(store.getState().phase).toBe('signed_in');
    expect(store.getState().user?.email).toBe('asha@example.com');
    expect(JSON.parse(storage.data.get(STORAGE_KEYS.tokens) ?? '{}').refresh_token).toBe('refresh-1');

    const relaunched = createSession({ storage, defaultServerUrl: server.url });
    const booting = relaunched.store.getState().boot();
    await booting;
    expect(relaunched.store.getState().phase).toBe('signed_in');
    expect(relaunched.store.getState().user).toEqual(TEST_USER);
  });

  it('boots signed out with nothing stored', async () => {
    const s = createSession({ storage: memoryStorage(), defaultServerUrl: server.url });
    await s.store.getState().boot();
    expect(s.store.getState().phase).toBe('signed_out');
  });

  it('keeps what was typed out of the store on a wrong password and reports a clear message', async () => {
    const s = createSession({ storage: memoryStorage(), defaultServerUrl: server.url });
    await s.store.getState().boot();
    const err = await s.store.getState().login({ email: 'asha@example.com', password: 'wrong-password' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toBe('That email and password do not match.');
    expect(s.store.getState().phase).toBe('signed_out');
  });
});

describe('session: silent refresh and 401 handling', () => {
  it('refreshes an expired access token silently and retries the request once', async () => {
    const { store, api, storage } = await signedInSession();
    server.expireAllAccess();
    const me = await api.auth.me();
    expect(me.email).toBe('asha@example.com');
    expect(server.refreshCalls).toBe(1);
    expect(store.getState().phase).toBe('signed_in');
    // The rotated pair is stored at once, so a restart does not reuse the spent refresh token.
    expect(JSON.parse(storage.data.get(STORAGE_KEYS.tokens) ?? '{}').refresh_token).toBe('refresh-2');
  });

  it('refreshes once for many concurrent 401s, because a reused refresh token revokes the family', async () => {
    const { store, api } = await signedInSession();
    server.expireAllAccess();
    const results = await Promise.all([api.auth.me(), api.broker.status(), api.auth.me(), api.broker.status()]);
    expect(results).toHaveLength(4);
    expect(server.refreshCalls).toBe(1);
    expect(store.getState().phase).toBe('signed_in');
  });

  it('refreshes before sending when the access token is about to expire', async () => {
    let now = 1_000_000;
    const { api } = await signedInSession({ now: () => now });
    now += 899_000; // 15 min token, 1 s left: inside the early-refresh margin
    await api.auth.me();
    expect(server.refreshCalls).toBe(1);
  });

  it('on 401 after a failed refresh: clears state and storage and signs out with a reason', async () => {
    const { store, api, storage, onSignedOut } = await signedInSession();
    server.expireAllAccess();
    server.revokeAllRefresh();
    const err = await api.broker.status().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).kind).toBe('unauthenticated');
    expect(store.getState()).toMatchObject({ phase: 'signed_out', user: null, tokens: null });
    expect(store.getState().notice).toMatch(/sign in again/i);
    expect(storage.data.has(STORAGE_KEYS.tokens)).toBe(false);
    expect(storage.data.has(STORAGE_KEYS.user)).toBe(false);
    expect(onSignedOut).toHaveBeenCalledTimes(1);
  });

  it('a request made after the session ended keeps the notice the login screen shows', async () => {
    const { store, api, onSignedOut } = await signedInSession();
    server.expireAllAccess();
    server.revokeAllRefresh();
    await api.broker.status().catch(() => undefined);
    const notice = store.getState().notice;
    expect(notice).toMatch(/sign in again/i);
    // A screen that was still mounted fetches once more after the sign-out.
    const late = await api.strategy.list().catch((e: unknown) => e);
    expect((late as ApiError).kind).toBe('unauthenticated');
    expect(store.getState().notice).toBe(notice);
    expect(onSignedOut).toHaveBeenCalledTimes(1);
  });

  it('a request made after logout does not put a notice on the login screen', async () => {
    const { store, api } = await signedInSession();
    await store.getState().logout();
    const late = await api.broker.status().catch((e: unknown) => e);
    expect((late as ApiError).kind).toBe('unauthenticated');
    expect(store.getState()).toMatchObject({ phase: 'signed_out', notice: null });
  });

  it('a relaunch whose stored session the server refuses lands on login', async () => {
    const { storage } = await signedInSession();
    server.expireAllAccess();
    server.revokeAllRefresh();
    const relaunched = createSession({ storage, defaultServerUrl: server.url });
    await relaunched.store.getState().boot();
    expect(relaunched.store.getState().phase).toBe('signed_out');
  });

  it('stays signed in when the server is unreachable during refresh', async () => {
    const { store, api } = await signedInSession();
    server.expireAllAccess();
    await server.close();
    const err = await api.auth.me().catch((e: unknown) => e);
    expect((err as ApiError).kind).toBe('network');
    expect(store.getState().phase).toBe('signed_in');
    server = await startFakeAuthServer(); // for afterEach
  });

  it('logout forgets the session even when the server cannot be told', async () => {
    const { store, storage, onSignedOut } = await signedInSession();
    server.failures.set('/auth/logout', [503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'busy' } }]);
    await store.getState().logout();
    expect(store.getState().phase).toBe('signed_out');
    expect(store.getState().notice).toBeNull();
    expect(storage.data.size).toBe(0);
    expect(onSignedOut).toHaveBeenCalled();
  });

  it('changing the server URL signs out, because tokens belong to the issuing server', async () => {
    const { store } = await signedInSession();
    await store.getState().setServerUrl('192.168.1.20:8000/');
    expect(store.getState().serverUrl).toBe('http://192.168.1.20:8000');
    expect(store.getState().phase).toBe('signed_out');
  });
});

describe('server URL', () => {
  it('normalises what people type', () => {
    expect(normalizeServerUrl(' https://ats.example.com/ ')).toBe('https://ats.example.com');
    expect(normalizeServerUrl('localhost:8000')).toBe('http://localhost:8000');
    expect(normalizeServerUrl('')).toBe('');
    expect(() => normalizeServerUrl('http://bad host')).toThrow();
  });
});
