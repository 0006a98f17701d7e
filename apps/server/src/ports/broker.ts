import type { Instrument, InstrumentId } from '../domain/instrument';
import type { BrokerOrder, OrderIntent, PlaceResult, Position } from '../domain/order';
import type { Paise } from '../domain/price';
import type { MarketFeed } from './market-feed';

export type BrokerKind = 'zerodha' | 'dhan' | 'fyers' | 'angelone' | 'paper';
export const BROKER_KINDS: readonly BrokerKind[] = ['zerodha', 'dhan', 'fyers', 'angelone', 'paper'];

export type SessionState =
  | { state: 'CONNECTED'; expiresAt: number | null }
  | { state: 'TOKEN_EXPIRED'; at: number | null; message: string }
  | { state: 'ERROR'; message: string };

/**
 * What a broker session is after login. `accessToken` and `extra` are secrets: they live only in
 * the vault and in memory, never in logs or API responses.
 */
export interface BrokerSession {
  accessToken: string;
  /** epoch ms when the broker will stop honouring the token, when known */
  expiresAt: number | null;
  /** broker-specific session material (feed token, refresh token, client id...) */
  extra: Record<string, string>;
  /** the broker's user/client id, for display */
  accountRef: string | null;
}

export type OrderRef = { tag: string } | { brokerOrderId: string };

/** An order built ahead of its send (Broker.prepareOrder). */
export interface PreparedOrder {
  readonly intent: OrderIntent;
  /** Same outcomes as placeOrder. Send it once: a second send would be a second order. */
  send(): Promise<PlaceResult>;
}

/** One connected broker account. Speaks only domain types: broker vocabulary stays in its folder. */
export interface Broker {
  readonly kind: BrokerKind;
  validateSession(): Promise<SessionState>;
  placeOrder(intent: OrderIntent): Promise<PlaceResult>;
  /**
   * The order built now, sent later: `send()` is `placeOrder(intent)` without the request building,
   * so an entry prepared seconds ahead leaves at its due time with nothing but the write. Optional:
   * without it the engine calls placeOrder. Valid for this Broker only (a re-login opens another).
   */
  prepareOrder?(intent: OrderIntent): PreparedOrder;
  /** Finds our order by tag (client order id) or by broker id; null when the broker has no such order. */
  findOrder(ref: OrderRef): Promise<BrokerOrder | null>;
  orders(): Promise<BrokerOrder[]>;
  positions(): Promise<Position[]>;
  cancelOrder(brokerOrderId: string): Promise<void>;
  ltp(ids: readonly InstrumentId[]): Promise<Map<InstrumentId, Paise>>;
  /** The broker's instrument master (NSE/BSE cash), mapped to our instruments. */
  instruments(): Promise<Instrument[]>;
  /** A market-data connection for this account (not yet connected). */
  createFeed(): MarketFeed;
  /** Opens keep-alive connections ahead of a due time, so the order itself pays no handshake. */
  warmUp(): Promise<void>;
  close(): Promise<void>;
}

/** Login flows differ per broker; each adapter folder exports one connector. */
export interface BrokerConnector<Credentials = Record<string, string>> {
  readonly kind: BrokerKind;
  /** Headless login (token paste, TOTP...): validates with a real broker call. Throws BrokerError('BROKER_AUTH_FAILED'). */
  login(credentials: Credentials): Promise<BrokerSession>;
  /** Redirect login (Zerodha, Fyers): where to send the user's browser. */
  loginUrl?(credentials: Credentials, state: string): string;
  /** Redirect login callback: exchange the request token / auth code for a session. */
  completeLogin?(credentials: Credentials, callback: Record<string, string>): Promise<BrokerSession>;
  /** Whether credentials allow a fresh daily login without the user (Angel TOTP, Dhan PIN+TOTP). */
  canAutoLogin(credentials: Credentials): boolean;
  open(credentials: Credentials, session: BrokerSession): Broker;
}
