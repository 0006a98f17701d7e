import type { SimMarket } from '@ats/market-sim';
import type { Config } from '../config';
import type { BrokerConnector, BrokerKind } from '../ports/broker';
import type { Clock } from '../ports/clock';
import { createAngelOneConnector } from './angelone/angelone-connector';
import { createDhanConnector } from './dhan/dhan-connector';
import { createFyersConnector } from './fyers/fyers-connector';
import { createPaperConnector } from './paper/paper-broker';
import { createZerodhaConnector } from './zerodha/zerodha-connector';
import { HttpClient } from './transport/http-client';

/**
 * One connector per broker, configured from the environment. All REST traffic of all real brokers
 * shares one keep-alive pool.
 */
export function buildBrokerConnectors(config: Config, deps: { clock: Clock; paperMarket: SimMarket }): Map<BrokerKind, BrokerConnector> {
  const http = new HttpClient({ pipelineDepth: config.ATS_BROKER_PIPELINE_DEPTH });
  const map = new Map<BrokerKind, BrokerConnector>();
  map.set(
    'paper',
    createPaperConnector({ market: deps.paperMarket, clock: deps.clock, latencyMs: config.ATS_PAPER_LATENCY_MS, slippageBps: config.ATS_PAPER_SLIPPAGE_BPS }) as BrokerConnector,
  );
  map.set('zerodha', createZerodhaConnector({ apiUrl: config.KITE_API_URL, wsUrl: config.KITE_WS_URL, loginUrl: config.KITE_LOGIN_URL, http, orderTimeoutMs: config.ATS_BROKER_ORDER_TIMEOUT_MS }));
  map.set('dhan', createDhanConnector({ apiUrl: config.DHAN_API_URL, authUrl: config.DHAN_AUTH_URL, feedUrl: config.DHAN_FEED_URL, http, orderTimeoutMs: config.ATS_BROKER_ORDER_TIMEOUT_MS }));
  // Fyers sends the browser back to the redirect_uri named in the login URL; it must be registered with the Fyers app.
  const publicUrl = (config.ATS_PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '');
  map.set(
    'fyers',
    createFyersConnector({ apiUrl: config.FYERS_API_URL, wsUrl: config.FYERS_WS_URL, http, orderTimeoutMs: config.ATS_BROKER_ORDER_TIMEOUT_MS, redirectUrl: `${publicUrl}/broker/callback/fyers` }),
  );
  map.set('angelone', createAngelOneConnector({ apiUrl: config.ANGELONE_API_URL, wsUrl: config.ANGELONE_WS_URL, http, orderTimeoutMs: config.ATS_BROKER_ORDER_TIMEOUT_MS }));
  return map;
}
