import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { userTopic, type Bus } from '../../ports/bus';
import { LivePriceSubscriptions } from '../live-price-subscriptions';
import type { AccessTokens } from '../../security/access-tokens';
import { bearerToken } from '../auth-plugin';

/** Close codes the app acts on: 4401 means sign in again, not "reconnect". */
export const WS_UNAUTHORIZED = 4401;

/**
 * `GET /ws`: the caller's live stream — run phase changes, fills, prices of their running symbols
 * (one bus topic per symbol, shared by every socket whose user runs it) and alerts. Authenticated
 * with the access token (query `access_token`, or an Authorization header where the client can
 * set one). A socket only ever subscribes to its own user's topic, so
 * one tenant can never receive another's events.
 */
export async function liveRoutes(app: FastifyInstance, deps: { bus: Bus; accessTokens: AccessTokens; livePriceTopics: (userId: string) => Promise<string[]> }): Promise<void> {
  await app.register(websocket, { options: { maxPayload: 4096 } });
  app.get('/ws', { websocket: true, schema: { hide: true } }, (socket, req) => {
    const query = req.query as Record<string, string | undefined>;
    const token = query.access_token ?? bearerToken(req.headers.authorization);
    let unsubscribe: (() => void) | null = null;
    let prices: LivePriceSubscriptions | null = null;
    let closed = false;
    const ping = setInterval(() => socket.readyState === socket.OPEN && socket.ping(), 20_000);
    ping.unref();
    socket.on('close', () => {
      closed = true;
      clearInterval(ping);
      unsubscribe?.();
      prices?.close();
    });
    // Clients may send anything (e.g. keep-alives); nothing they send changes what they receive.
    socket.on('message', () => undefined);
    void (async () => {
      let userId: string;
      try {
        if (!token) throw new Error('missing token');
        userId = await deps.accessTokens.verify(token);
      } catch {
        socket.close(WS_UNAUTHORIZED, 'unauthorized');
        return;
      }
      const send = (m: unknown): void => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(m));
      };
      const live = new LivePriceSubscriptions(deps.bus, () => deps.livePriceTopics(userId), send, (err) => req.log.warn({ err: String(err) }, 'could not update live price subscriptions'));
      const un = await deps.bus.subscribe(userTopic(userId), (m) => {
        send(m);
        // The set of running symbols may have changed: started, stopped, or the day's run ended.
        const type = (m as { type?: unknown }).type;
        if (type === 'strategy.event' || type === 'strategy.status') void live.refresh();
      });
      if (closed) {
        un();
        return;
      }
      unsubscribe = un;
      prices = live;
      send({ type: 'hello', user_id: userId });
      await live.refresh();
      if (closed) live.close();
    })();
  });
}
