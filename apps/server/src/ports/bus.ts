export type Unsubscribe = () => void;

/** Fan-out of live messages (events for the app's WebSocket). In-process, or Redis pub/sub when scaled out. */
export interface Bus {
  publish(topic: string, message: unknown): Promise<void>;
  subscribe(topic: string, fn: (message: unknown) => void): Promise<Unsubscribe>;
  close(): Promise<void>;
}

/** A user's own stream: every message on it is that tenant's, and only their sockets subscribe. */
export const userTopic = (userId: string): string => `user:${userId}`;

/**
 * Last prices of one instrument as one broker's feed sees it. Published once per throttle window
 * whoever watches it, so the cost does not grow with the number of tenants on a symbol; each
 * socket subscribes to the symbols of its own user's running strategies.
 */
export const priceTopic = (kind: string, instrument: string): string => `price:${kind}|${instrument}`;

/** The engines' topic: each message names a strategy (and run) to reload. */
export const ENGINE_TOPIC = 'engine';
