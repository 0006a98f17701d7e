import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../core/sim-server';
import { createZerodhaSim, KITE_INSTRUMENTS_HEADER, KITE_SIM_API_KEY, kiteInstrumentsCsv, kiteSimInstruments, kiteTokenTtlMs } from './index';

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
