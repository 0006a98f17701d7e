/** Where the session survives an app restart: SecureStore on iOS/Android, localStorage on web. */
export interface KeyValueStorage {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  remove(key: string): Promise<void>;
}
