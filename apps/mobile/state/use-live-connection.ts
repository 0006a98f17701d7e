import { useEffect } from 'react';
import { api, currentServerUrl, queryClient, session, useSession } from './app-state';
import { LiveConnection, toSocketUrl, type SocketLike } from './live-connection';
import { useLive } from './live-store';

let connection: LiveConnection | null = null;

/** Runs the /ws stream (or its polling fallback) for as long as someone is signed in. */
export function useLiveConnection(): void {
  const userId = useSession((s) => s.user?.id ?? null);
  const serverUrl = useSession((s) => s.serverUrl);

  useEffect(() => {
    if (!userId) return;
    const live = new LiveConnection({
      socketUrl: async () => toSocketUrl(currentServerUrl(), await session.client.freshAccessToken()),
      openSocket: (url) => {
        const ws = new WebSocket(url);
        const socket: SocketLike = { onopen: null, onclose: null, onerror: null, onmessage: null, close: (code) => ws.close(code) };
        ws.onopen = (ev) => socket.onopen?.(ev);
        ws.onclose = (ev) => socket.onclose?.({ code: ev.code });
        ws.onerror = (ev) => socket.onerror?.(ev);
        ws.onmessage = (ev) => socket.onmessage?.({ data: ev.data });
        return socket;
      },
      dispatch: (action) => useLive.getState().dispatch(action),
      watchedIds: () => useLive.getState().watchedIds(),
      pollStatus: (id) => api.strategy.status(id),
      // /auth/me goes through the client, which refreshes the token or ends the session.
      authRejected: async () => {
        await api.auth.me();
      },
    });
    connection = live;
    live.start();
    return () => {
      live.stop();
      if (connection === live) connection = null;
    };
  }, [userId, serverUrl]);
}

// The engine pushes the run's phase before it writes the strategy's own status (a finished once-run
// becomes COMPLETED) and does not push that second change, so state is re-read soon and once more later.
const REFETCH_AFTER_EVENT_MS = [300, 2_500];

/** Each pushed transition can change what lists and detail screens show, so server state is re-read after it. */
export function useRefetchOnLiveEvents(): void {
  const revision = useLive((s) => s.revision);
  useEffect(() => {
    if (revision === 0) return;
    const handles = REFETCH_AFTER_EVENT_MS.map((ms) =>
      setTimeout(() => {
        void queryClient.invalidateQueries({ queryKey: ['strategies'] });
        void queryClient.invalidateQueries({ queryKey: ['strategy'] });
      }, ms),
    );
    return () => handles.forEach(clearTimeout);
  }, [revision]);
}

/** A screen that starts watching a strategy wants its status now, not at the next 5 s tick. */
export function pollLiveSoon(): void {
  connection?.pollSoon();
}
