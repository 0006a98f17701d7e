export type Unsubscribe = () => void;

/** Fan-out of live messages (events for the app's WebSocket). In-process, or Redis pub/sub when scaled out. */
export interface Bus {
  publish(topic: string, message: unknown): Promise<void>;
  subscribe(topic: string, fn: (message: unknown) => void): Promise<Unsubscribe>;
  close(): Promise<void>;
}
