import type { Broker, BrokerConnector, BrokerSession } from '../../ports/broker';
import type { HttpClient } from '../transport/http-client';
import { SlidingWindowLimiter } from '../transport/sliding-window-limiter';
import { angelLogin, canAutoLogin, type AngelOneCredentials } from './angelone-auth';
import { ANGELONE_ORDERS_PER_SECOND, AngelOneBroker } from './angelone-broker';
import { AngelScripMasterCache } from './angelone-symbols';

export const ANGELONE_DEFAULT_API_URL = 'https://apiconnect.angelone.in';
export const ANGELONE_DEFAULT_WS_URL = 'wss://smartapisocket.angelone.in/smart-stream';
export const ANGELONE_DEFAULT_INSTRUMENTS_URL = 'https://margincalculator.angelone.in/OpenAPI_File/files/OpenAPIScripMaster.json';
const SCRIP_MASTER_PATH = '/OpenAPI_File/files/OpenAPIScripMaster.json';

export interface AngelOneConnectorConfig {
  /** ANGELONE_API_URL */
  apiUrl: string;
  /** ANGELONE_WS_URL */
  wsUrl: string;
  /** the scrip master; defaults to Angel's host for the production API, else `${apiUrl}` + Angel's path (the sim serves it) */
  instrumentsUrl?: string;
  http: HttpClient;
  orderTimeoutMs?: number;
  /** sent as X-ClientLocalIP / X-ClientPublicIP / X-MACAddress; the public IP is the one whitelisted with Angel */
  clientLocalIp?: string;
  clientPublicIp?: string;
  macAddress?: string;
  now?: () => number;
}

/** Angel One SmartAPI: headless login with MPIN + TOTP (daily, automatic) or a pasted jwt + feed token. */
export function createAngelOneConnector(config: AngelOneConnectorConfig): BrokerConnector {
  const now = config.now ?? Date.now;
  const apiUrl = config.apiUrl.replace(/\/+$/, '');
  const instrumentsUrl =
    config.instrumentsUrl ?? (apiUrl === ANGELONE_DEFAULT_API_URL ? ANGELONE_DEFAULT_INSTRUMENTS_URL : `${apiUrl}${SCRIP_MASTER_PATH}`);
  const symbols = new AngelScripMasterCache(config.http, instrumentsUrl, now);
  const identity = {
    localIp: config.clientLocalIp ?? '127.0.0.1',
    publicIp: config.clientPublicIp ?? '127.0.0.1',
    macAddress: config.macAddress ?? '00:00:00:00:00:00',
  };
  // Angel counts orders per client code, so every Broker of one account shares its buckets.
  const orderBuckets = new Map<string, SlidingWindowLimiter>();
  const ltpBuckets = new Map<string, SlidingWindowLimiter>();
  const bucketFor = (m: Map<string, SlidingWindowLimiter>, key: string, rate: number): SlidingWindowLimiter => {
    let b = m.get(key);
    if (!b) {
      // Angel counts a sliding second: the limiter allows exactly that, a full burst included.
      b = new SlidingWindowLimiter(rate);
      m.set(key, b);
    }
    return b;
  };

  return {
    kind: 'angelone',
    login: (credentials: Record<string, string>) => angelLogin(config.http, apiUrl, identity, credentials as AngelOneCredentials, now()),
    canAutoLogin: (credentials: Record<string, string>) => canAutoLogin(credentials as AngelOneCredentials),
    open(credentials: Record<string, string>, session: BrokerSession): Broker {
      const c = credentials as AngelOneCredentials;
      const clientCode = c.client_code ?? session.extra.client_code ?? session.accountRef ?? '';
      return new AngelOneBroker({
        http: config.http,
        apiUrl,
        wsUrl: config.wsUrl,
        identity: { ...identity, apiKey: c.api_key ?? '' },
        clientCode,
        session,
        symbols,
        orderBucket: bucketFor(orderBuckets, clientCode, ANGELONE_ORDERS_PER_SECOND),
        ltpBucket: bucketFor(ltpBuckets, clientCode, 10),
        orderTimeoutMs: config.orderTimeoutMs ?? 5000,
        now,
      });
    },
  };
}
