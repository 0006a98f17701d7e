import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANGELONE_SIM_ACCOUNT, createAngelOneSim, SimControl, startSim, type RunningSim } from '@ats/broker-sims';
import { startTestPlatform, type TestPlatform } from './support/test-platform';
import { nextTokenCheckAt } from '../src/services/token-check-schedule';
import { BrokerAccountRepository } from '../src/adapters/postgres/broker-account-repository';

type P = TestPlatform & { dispose(): Promise<void> };

/**
 * Issue 3's token lifecycle: the 08:45 IST pre-open check, and Angel One's automatic daily login
 * from the stored MPIN + TOTP secret, through the real API against the Angel One sim.
 */
describe('broker token lifecycle', () => {
  let sim: RunningSim;
  let p: P;
  let token: string;

  beforeAll(async () => {
    sim = await startSim(createAngelOneSim(), 0, { tickIntervalMs: 100 });
    // 2026-11-25 08:00 IST, before the daily check.
    p = await startTestPlatform({ start: Date.UTC(2026, 10, 25, 2, 30), env: { ANGELONE_API_URL: sim.url, ANGELONE_WS_URL: `${sim.url.replace('http', 'ws')}/smart-stream` } });
    token = (await p.app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'angel@example.com', password: 'correct-horse-42', name: 'A' } })).json().access_token;
  });
  afterAll(async () => {
    await p?.dispose();
    await sim?.close();
  });

  it('schedules the check at 08:45 IST, today or tomorrow', () => {
    expect(new Date(nextTokenCheckAt(Date.UTC(2026, 10, 25, 2, 30))).toISOString()).toBe('2026-11-25T03:15:00.000Z');
    expect(new Date(nextTokenCheckAt(Date.UTC(2026, 10, 25, 3, 15))).toISOString()).toBe('2026-11-26T03:15:00.000Z');
  });

  it('logs an Angel One account in again by itself when its session has expired', async () => {
    const a = ANGELONE_SIM_ACCOUNT;
    const r = await p.app.inject({
      method: 'POST',
      url: '/broker/connect',
      headers: { authorization: `Bearer ${token}` },
      payload: { broker: 'angelone', credentials: { api_key: a.apiKey, client_code: a.clientCode, mpin: a.mpin, totp_secret: a.totpSecret } },
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ status: 'CONNECTED', can_auto_login: true });
    expect(r.body).not.toContain(a.totpSecret);

    const accounts = new BrokerAccountRepository(p.db);
    const [before] = await accounts.listAll();
    await new SimControl(sim.url).expireTokens();
    const old = await p.brokers.forAccount(before!.userId, before!.id);
    expect((await old.validateSession()).state).toBe('TOKEN_EXPIRED');
    // What the engine's buy takes without a lookup: the Broker just opened, and only for its owner.
    expect(p.brokers.openNow(before!.userId, before!.id)).toBe(old);
    expect(p.brokers.openNow('someone-else', before!.id)).toBeNull();

    // The scheduled 08:45 check runs on the (virtual) clock and logs in afresh from the stored TOTP secret.
    await p.clock.set(Date.UTC(2026, 10, 25, 3, 15, 1));
    let after = before;
    for (let i = 0; i < 100 && after?.sealedSecret === before?.sealedSecret; i++) {
      await new Promise((res) => setTimeout(res, 50));
      [after] = await accounts.listAll();
    }
    expect(after?.sealedSecret).not.toBe(before?.sealedSecret);
    expect(after?.status).toBe('CONNECTED');
    // The re-login replaced the session: the Broker opened with the old one is never handed out again.
    expect(p.brokers.openNow(after!.userId, after!.id)).not.toBe(old);
    const renewed = await p.brokers.forAccount(after!.userId, after!.id);
    expect(renewed).not.toBe(old);
    expect((await renewed.validateSession()).state).toBe('CONNECTED');
    expect(p.brokers.openNow(after!.userId, after!.id)).toBe(renewed);
  });
});
