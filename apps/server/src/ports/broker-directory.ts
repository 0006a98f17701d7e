import type { Broker, BrokerKind } from './broker';

/** How the engine reaches brokers without knowing about accounts, vaults or sessions. */
export interface BrokerDirectory {
  /** The user's connected account. Throws BrokerError('BROKER_TOKEN_EXPIRED') when it has no live session. */
  forAccount(userId: string, brokerAccountId: string): Promise<Broker>;
  /**
   * The Broker `forAccount` would give right now without reading anything (the account was opened
   * moments ago), or null when it would have to look. Lets a burst of buys skip a promise each.
   */
  openNow(userId: string, brokerAccountId: string): Broker | null;
  /**
   * A connected account of `kind` whose market-data connection the whole platform can share: the
   * market is the same whoever's account streams it. Null when no account of that kind is connected.
   */
  dataSource(kind: BrokerKind): Promise<Broker | null>;
  /** A data source just failed (expired session, refused socket): do not hand it out again for a while. */
  dataSourceFailed(kind: BrokerKind, source: Broker): void;
  /** Which broker an account belongs to. */
  kindOf(userId: string, brokerAccountId: string): Promise<BrokerKind>;
}
