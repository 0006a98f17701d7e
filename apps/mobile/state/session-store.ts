import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AuthResponse, LoginBody, RegisterBody, User } from '@ats/contracts';
import { ApiClient, type StoredTokens } from '../api/client';
import { createEndpoints, type Endpoints } from '../api/endpoints';
import type { ApiError } from '../api/errors';
import type { KeyValueStorage } from './key-value-storage';

export type SessionPhase = 'booting' | 'signed_out' | 'signed_in';

export interface SessionState {
  phase: SessionPhase;
  user: User | null;
  tokens: StoredTokens | null;
  /** '' means the origin the web app was served from */
  serverUrl: string;
  /** why the trader was sent back to the login screen, shown there once */
  notice: string | null;
}

export interface SessionActions {
  boot(): Promise<void>;
  login(body: LoginBody): Promise<void>;
  register(body: RegisterBody): Promise<void>;
  logout(): Promise<void>;
  setServerUrl(url: string): Promise<void>;
  clearNotice(): void;
}

export type SessionStore = StoreApi<SessionState & SessionActions>;

export const STORAGE_KEYS = { tokens: 'ats.tokens', user: 'ats.user', serverUrl: 'ats.server_url' } as const;

export interface SessionDeps {
  storage: KeyValueStorage;
  /** the URL used when the trader has not set one; on web, the page's origin */
  defaultServerUrl: string;
  fetch?: typeof fetch;
  now?: () => number;
  /** called after the session ends for any reason, so caches of the previous user are dropped */
  onSignedOut?: () => void;
}

export function normalizeServerUrl(input: string): string {
  const trimmed = input.trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  const withScheme = /^https?:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  const url = new URL(withScheme); // throws on nonsense, which the Profile form reports
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

function parseJson<T>(text: string | null): T | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/**
 * The signed-in session: who, with which tokens, against which server. It owns the API client so
 * that a rotated refresh token is persisted the moment it arrives and a refused one signs out
 * everywhere in the app at once.
 */
export function createSession(deps: SessionDeps): { store: SessionStore; api: Endpoints; client: ApiClient } {
  const now = deps.now ?? Date.now;
  const toStored = (auth: AuthResponse): StoredTokens => ({
    access_token: auth.access_token,
    refresh_token: auth.refresh_token,
    access_expires_at: now() + auth.expires_in * 1000,
  });

  const persist = async (tokens: StoredTokens | null, user: User | null) => {
    await Promise.all([
      tokens ? deps.storage.set(STORAGE_KEYS.tokens, JSON.stringify(tokens)) : deps.storage.remove(STORAGE_KEYS.tokens),
      user ? deps.storage.set(STORAGE_KEYS.user, JSON.stringify(user)) : deps.storage.remove(STORAGE_KEYS.user),
    ]);
  };

  const endSession = (notice: string | null) => {
    const wasSignedIn = store.getState().tokens !== null;
    store.setState({ phase: 'signed_out', user: null, tokens: null, notice });
    void persist(null, null);
    if (wasSignedIn) deps.onSignedOut?.();
  };

  const store: SessionStore = createStore<SessionState & SessionActions>()(() => ({
    phase: 'booting',
    user: null,
    tokens: null,
    serverUrl: '',
    notice: null,

    async boot() {
      const [tokensText, userText, serverUrl] = await Promise.all([
        deps.storage.get(STORAGE_KEYS.tokens),
        deps.storage.get(STORAGE_KEYS.user),
        deps.storage.get(STORAGE_KEYS.serverUrl),
      ]);
      const tokens = parseJson<StoredTokens>(tokensText);
      const user = parseJson<User>(userText);
      store.setState({ serverUrl: serverUrl ?? '' });
      if (!tokens || !user) {
        store.setState({ phase: 'signed_out' });
        return;
      }
      // Straight to Home with the remembered user; the check below signs out if the server disagrees.
      store.setState({ phase: 'signed_in', tokens, user });
      try {
        const fresh = await api.auth.me();
        store.setState({ user: fresh });
        void deps.storage.set(STORAGE_KEYS.user, JSON.stringify(fresh));
      } catch {
        // Offline or server down: stay signed in; a refused token has already ended the session.
      }
    },

    async login(body) {
      await signIn(await api.auth.login(body));
    },

    async register(body) {
      await signIn(await api.auth.register(body));
    },

    async logout() {
      const refresh = store.getState().tokens?.refresh_token;
      endSession(null);
      if (refresh) {
        // Best effort: the device forgets the session even if the server cannot be told.
        await api.auth.logout(refresh).catch(() => undefined);
      }
    },

    async setServerUrl(url) {
      const normalized = normalizeServerUrl(url);
      const changed = normalized !== store.getState().serverUrl;
      store.setState({ serverUrl: normalized });
      await (normalized ? deps.storage.set(STORAGE_KEYS.serverUrl, normalized) : deps.storage.remove(STORAGE_KEYS.serverUrl));
      // Tokens belong to the server that issued them.
      if (changed && store.getState().tokens) endSession('Server changed. Sign in to the new server.');
    },

    clearNotice() {
      store.setState({ notice: null });
    },
  }));

  // Declared after the store: every use below is inside a callback that runs once the store exists.
  const client = new ApiClient({
    fetch: deps.fetch,
    now,
    link: {
      baseUrl: () => store.getState().serverUrl || deps.defaultServerUrl,
      tokens: () => store.getState().tokens,
      tokensRotated: (auth) => {
        const tokens = toStored(auth);
        store.setState({ tokens, user: auth.user });
        void persist(tokens, auth.user);
      },
      sessionLost: (error: ApiError) => endSession(error.message),
    },
  });
  const api = createEndpoints(client);

  const signIn = (auth: AuthResponse) => {
    const tokens = toStored(auth);
    store.setState({ phase: 'signed_in', tokens, user: auth.user, notice: null });
    return persist(tokens, auth.user);
  };

  return { store, api, client };
}
