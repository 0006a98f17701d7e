import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../core/sim-server';
import { createZerodhaSim, kiteSimApps, KITE_INSTRUMENTS_HEADER, KITE_SIM_API_KEY, kiteInstrumentsCsv, kiteSimInstruments, kiteTokenTtlMs } from './index';

const FIXTURES = fileURLToPath(new URL('../../../../../shared/fixtures/kite', import.meta.url));

describe('Kite sim instruments', () => {
  it("gives NSE:INFY its real token 408065 and every token Kite's segment low byte", () => {
    const list = kiteSimInstruments();
    expect(list.find((i) => i.key === 'NSE:INFY')?.instrumentToken).toBe(408065);
    for (const i of list) expect(i.instrumentToken & 0xff).toBe(i.exchange === 'NSE' ? 1 : 4);
    expect(new Set(list.map((i) => i.instrumentToken)).size).toBe(list.length);
    expect(kiteSimInstruments()).toEqual(list);
  });

  it('serves the master with the exact header and CRLF lines of the Kite mock', () => {
    const fixture = readFileSync(`${FIXTURES}/instruments_nse.csv`, 'utf8');
    const fixtureHead = fixture.slice(0, fixture.indexOf('\n') + 1);
    expect(fixtureHead).toBe(`${KITE_INSTRUMENTS_HEADER}\r\n`);
    const csv = kiteInstrumentsCsv(kiteSimInstruments(), 'NSE');
    expect(csv.startsWith(fixtureHead)).toBe(true);
    expect(csv).toContain('\r\n408065,1594,INFY,INFOSYS,0.0,,0.0,0.05,1,EQ,NSE,NSE\r\n');
    expect(csv).not.toContain(',BSE\r\n');
  });
});

describe('Kite sim sessions', () => {
  it('issues tokens that die at 06:00 IST', () => {
    const at = Date.parse('2026-03-10T10:00:00Z');
    expect(at + kiteTokenTtlMs(at)).toBe(Date.parse('2026-03-11T00:30:00Z'));
    const early = Date.parse('2026-03-10T00:00:00Z');
    expect(early + kiteTokenTtlMs(early)).toBe(Date.parse('2026-03-10T00:30:00Z'));
  });

  describe('over HTTP', () => {
    let sim: RunningSim;
    beforeAll(async () => {
      sim = await startSim(createZerodhaSim(), 0, { tickIntervalMs: 0 });
    });
    afterAll(() => sim.close());

    it('refuses calls without the Kite auth header as TokenException 403', async () => {
      const res = await fetch(`${sim.url}/orders`, { headers: { 'x-kite-version': '3', authorization: `token ${KITE_SIM_API_KEY}:nope` } });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ status: 'error', message: 'Incorrect `api_key` or `access_token`.', data: null, error_type: 'TokenException' });
    });

    it('redirects the login page with our redirect_params and a request_token', async () => {
      const res = await fetch(`${sim.url}/connect/login?v=3&api_key=${KITE_SIM_API_KEY}&redirect_params=${encodeURIComponent('state=s1')}`, { redirect: 'manual' });
      const to = new URL(res.headers.get('location') as string);
      expect(Object.fromEntries(to.searchParams)).toMatchObject({ state: 's1', status: 'success', action: 'login', request_token: expect.stringMatching(/^[0-9a-f]{32}$/) });
    });

    it('refuses a WebSocket handshake without a valid token', async () => {
      const { WebSocket } = await import('ws');
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/?api_key=${KITE_SIM_API_KEY}&access_token=bad`);
        ws.on('unexpected-response', (_req, r) => {
          resolve(r.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('error', () => undefined);
      });
      expect(status).toBe(403);
    });
  });
});

describe('Kite sim with many apps', () => {
  it('logs each trader in through their own app, and keeps their orders apart', async () => {
    const apps = kiteSimApps(3);
    const sim = await startSim(createZerodhaSim({ apps, redirectUrl: 'http://127.0.0.1:1/cb' }), 0, { tickIntervalMs: 0 });
    try {
      const tokens: string[] = [];
      for (const a of apps) {
        const loc = (await fetch(`${sim.url}/connect/login?api_key=${a.apiKey}&v=3`, { redirect: 'manual' })).headers.get('location') as string;
        const rt = new URL(loc).searchParams.get('request_token') as string;
        const form = new URLSearchParams({ api_key: a.apiKey, request_token: rt, checksum: createHash('sha256').update(a.apiKey + rt + a.apiSecret).digest('hex') });
        const s = (await (await fetch(`${sim.url}/session/token`, { method: 'POST', body: form, headers: { 'x-kite-version': '3', 'content-type': 'application/x-www-form-urlencoded' } })).json()) as { data: { user_id: string; access_token: string } };
        expect(s.data.user_id).toBe(a.userId);
        tokens.push(s.data.access_token);
      }
      const headers = (i: number, key = apps[i]!.apiKey) => ({ 'x-kite-version': '3', authorization: `token ${key}:${tokens[i]}`, 'content-type': 'application/x-www-form-urlencoded' });
      const place = await fetch(`${sim.url}/orders/regular`, { method: 'POST', headers: headers(0), body: new URLSearchParams({ exchange: 'NSE', tradingsymbol: 'INFY', transaction_type: 'BUY', quantity: '1', product: 'MIS', order_type: 'MARKET', market_protection: '-1', tag: 'T1' }) });
      expect(place.status).toBe(200);
      const book = async (i: number) => ((await (await fetch(`${sim.url}/orders`, { headers: headers(i) })).json()) as { data: unknown[] }).data;
      expect(await book(0)).toHaveLength(1);
      expect(await book(1)).toHaveLength(0);
      // A token is good only with the app it was issued for.
      expect((await fetch(`${sim.url}/orders`, { headers: headers(1, apps[0]!.apiKey) })).status).toBe(403);
    } finally {
      await sim.close();
    }
  });
});

describe('Kite sim with its own instrument universe', () => {
  it('lists and quotes the instruments its market was given', async () => {
    const universe = Array.from({ length: 300 }, (_, i) => ({ exchange: 'NSE' as const, symbol: `SYN${i}`, name: `SYNTHETIC ${i}`, tickSizePaise: 5, lotSize: 1, basePaise: 10_000 + i * 5, isin: `INE${String(i).padStart(9, '0')}` }));
    const sim = await startSim(createZerodhaSim(), 0, { tickIntervalMs: 0, instruments: universe });
    try {
      const csv = await (await fetch(`${sim.url}/instruments/NSE`)).text();
      expect(csv.split('\n').filter((l) => l.includes(',SYN'))).toHaveLength(300);
      expect(csv).toContain('SYN299');
    } finally {
      await sim.close();
    }
  });
});
