import { Platform } from 'react-native';
import { QueryClient } from '@tanstack/react-query';
import { useStore } from 'zustand';
import { ApiError } from '../api/errors';
import { platformStorage } from './platform-storage';
import { createSession, type SessionActions, type SessionState } from './session-store';
import { useLive } from './live-store';

/** The web build is served by the server itself, so its own origin is the right default. */
function defaultServerUrl(): string {
  if (Platform.OS === 'web' && typeof window !== 'undefined' && window.location?.origin?.startsWith('http')) return window.location.origin;
  return 'http://localhost:8000';
}

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      // Auth and validation errors will not fix themselves by retrying.
      retry: (count, error) => count < 2 && !(error instanceof ApiError && ['unauthenticated', 'validation', 'not_found', 'conflict'].includes(error.kind)),
    },
    mutations: { retry: false },
  },
});

export const session = createSession({
  storage: platformStorage,
  defaultServerUrl: defaultServerUrl(),
  onSignedOut: () => {
    // Nothing of the previous user may show to the next one.
    queryClient.clear();
    useLive.getState().dispatch({ type: 'reset' });
  },
});

export const api = session.api;

export function useSession<T>(selector: (s: SessionState & SessionActions) => T): T {
  return useStore(session.store, selector);
}

export function currentServerUrl(): string {
  return session.store.getState().serverUrl || defaultServerUrl();
}

export const defaultServerUrlForDisplay = defaultServerUrl;
