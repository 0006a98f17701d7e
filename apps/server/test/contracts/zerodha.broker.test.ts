import { SimControl, startSim } from '@ats/broker-sims';
import { afterAll } from 'vitest';
import { createZerodhaSim, KITE_SIM_API_KEY, KITE_SIM_API_SECRET, KITE_SIM_USER_ID } from '../../../../packages/broker-sims/src/zerodha';
import { createZerodhaConnector, KITE_ORDERS_PER_SECOND } from '../../src/brokers/zerodha/zerodha-connector';
import { HttpClient } from '../../src/brokers/transport/http-client';
import type { BrokerConnector, BrokerSession } from '../../src/ports/broker';
import { describeBrokerContract } from './broker-contract';

const http = new HttpClient();
afterAll(() => http.close());

/** The user's browser step: open Kite's login page, follow its redirect, hand the callback params back. */
async function redirectLogin(connector: BrokerConnector, credentials: Record<string, string>): Promise<BrokerSession> {
  const state = 'contract-state';
  const res = await fetch(connector.loginUrl?.(credentials, state) as string, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`Kite login page answered ${res.status}`);
  const callback = Object.fromEntries(new URL(location).searchParams);
  if (callback.state !== state) throw new Error('state did not survive the Kite redirect');
  return (connector.completeLogin as NonNullable<BrokerConnector['completeLogin']>)(credentials, callback);
}

describeBrokerContract({
  name: 'zerodha',
  ordersPerSecond: KITE_ORDERS_PER_SECOND,
  buildsOrdersAhead: true,
  async start(pool = http) {
    const sim = await startSim(createZerodhaSim(), 0, { tickIntervalMs: 50 });
    const connector = createZerodhaConnector({
      apiUrl: sim.url,
      wsUrl: sim.url.replace(/^http/, 'ws'),
      loginUrl: sim.url,
      http: pool,
      orderTimeoutMs: 1000,
    });
    return {
      sim,
      control: new SimControl(sim.url),
      connector,
      credentials: { api_key: KITE_SIM_API_KEY, api_secret: KITE_SIM_API_SECRET },
      simAccount: KITE_SIM_USER_ID,
    };
  },
  login: redirectLogin,
});
