import type { InstrumentId } from './instrument';
import type { Paise } from './price';

export type Side = 'BUY' | 'SELL';
export type OrderLeg = 'ENTRY' | 'EXIT';

/**
 * What we intend to send, written to `order_intents` before the broker is called.
 * `clientOrderId` is deterministic from (runId, leg, attempt) and is sent as the broker tag.
 */
export interface OrderIntent {
  clientOrderId: string;
  runId: string;
  leg: OrderLeg;
  attempt: number;
  side: Side;
  instrument: InstrumentId;
  quantity: number;
  reason: string;
}

/** Broker-neutral order status. A partial fill is PENDING or CANCELLED with filledQuantity > 0. */
export type OrderStatus = 'PENDING' | 'FILLED' | 'CANCELLED' | 'REJECTED';

export interface BrokerOrder {
  brokerOrderId: string;
  tag: string | null;
  instrument: InstrumentId;
  side: Side;
  quantity: number;
  filledQuantity: number;
  averagePricePaise: Paise | null;
  status: OrderStatus;
  message: string | null;
  /** epoch ms of the broker's last update, when it says. */
  updatedAt: number | null;
}

export interface Position {
  instrument: InstrumentId;
  /** Intraday net quantity: positive long, negative short, 0 flat. */
  netQuantity: number;
  averagePricePaise: Paise | null;
}

/**
 * The outcome of sending an order. AMBIGUOUS means we cannot know whether the broker has it
 * (timeout, 5xx, Fyers code 201): the caller must look the order up by tag before any resend.
 */
export type PlaceResult =
  | { kind: 'ACCEPTED'; brokerOrderId: string }
  | { kind: 'REJECTED'; code: 'BROKER_REJECTED' | 'BROKER_TOKEN_EXPIRED'; message: string; brokerCode?: string }
  | { kind: 'FAILED'; code: 'BROKER_UNAVAILABLE' | 'BROKER_RATE_LIMITED'; message: string }
  | { kind: 'AMBIGUOUS'; cause: string };
