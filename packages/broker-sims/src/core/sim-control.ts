import type { FaultSpec } from './faults';
import type { SimOrder } from './sim-exchange';

/** A typed client for a sim's `/_sim/` control API, for tests and benchmarks. */
export class SimControl {
  constructor(readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}/_sim/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sim ${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  setPrice(symbol: string, paise: number, exchange = 'NSE'): Promise<unknown> {
    return this.call('POST', 'price', { symbol, exchange, paise });
  }
  setPath(symbol: string, path: number[], exchange = 'NSE'): Promise<unknown> {
    return this.call('POST', 'path', { symbol, exchange, path });
  }
  step(symbol?: string, exchange = 'NSE'): Promise<unknown> {
    return this.call('POST', 'step', symbol ? { symbol, exchange } : {});
  }
  walk(on: boolean): Promise<unknown> {
    return this.call('POST', 'market', { walk: on });
  }
  faults(spec: FaultSpec): Promise<unknown> {
    return this.call('POST', 'faults', spec);
  }
  clearFaults(): Promise<unknown> {
    return this.call('DELETE', 'faults');
  }
  expireTokens(): Promise<unknown> {
    return this.call('POST', 'expire-tokens', {});
  }
  dropFeeds(): Promise<unknown> {
    return this.call('POST', 'drop-feeds', {});
  }
  async orders(filter: { account?: string; tag?: string } = {}): Promise<SimOrder[]> {
    const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined) as Array<[string, string]>);
    return (await this.call<{ orders: SimOrder[] }>('GET', `orders?${q.toString()}`)).orders;
  }
  fill(orderId: string, quantity?: number): Promise<SimOrder> {
    return this.call('POST', `orders/${orderId}/fill`, quantity === undefined ? {} : { quantity });
  }
  async positions(account: string): Promise<Array<{ key: string; net: number }>> {
    return (await this.call<{ positions: Array<{ key: string; net: number }> }>('GET', `positions?account=${encodeURIComponent(account)}`)).positions;
  }
  reset(): Promise<unknown> {
    return this.call('POST', 'reset', {});
  }
}
