import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ist, signUp, T0 } from './support/engine-harness';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const waitReal = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Run leases when the runtime state cannot be reached: the engine keeps its runs while its last
 * lease still holds (letting go at once would leave positions unwatched for nothing), and lets go
 * before the lease lapses, when another engine may take the run over (two engines must never act
 * on one run).
 */
describe('run leases when renewal fails', () => {
  let p: TestPlatform & { dispose(): Promise<void> };

  beforeAll(async () => {
    p = await startTestPlatform({ start: T0, overrides: { engineOptions: { rescanEveryMs: 100, leaseMs: 3_000 } } });
  });
  afterAll(async () => p.dispose());

  it('keeps the run until its lease is close to lapsing, then lets go', async () => {
    const u = await signUp(p, 'lease@example.com');
    const broker = (await u.post('/broker/connect', { broker: 'paper' })).body.id;
    const buyAt = T0 + 60 * 60_000;
    const s = (await u.post('/strategy/create', { broker_id: broker, symbol: 'INFY', buy_time: ist(buyAt), sell_time: ist(buyAt + 60_000), stop_loss: 1500, quantity: 1 })).body;
    expect((await u.post(`/strategy/${s.id}/start`)).status).toBe(200);
    const engine = p.engine as NonNullable<typeof p.engine>;
    for (let i = 0; i < 50 && engine.tracked() === 0; i++) await waitReal(50);
    expect(engine.tracked()).toBe(1);
    await waitReal(300); // renewed a few times: the lease now runs ~3 s from the last renewal

    // The runtime state goes away (as Redis would): no lease can be taken or renewed.
    const runtime = p.runtime;
    const { claim, claimMany } = { claim: runtime.claim.bind(runtime), claimMany: runtime.claimMany.bind(runtime) };
    runtime.claim = () => Promise.reject(new Error('runtime state unreachable'));
    runtime.claimMany = () => Promise.reject(new Error('runtime state unreachable'));
    try {
      // Lease 3 s, let go 2 s before it lapses: still held ~0.5 s into the outage, gone by ~1.5 s.
      await waitReal(500);
      expect(engine.tracked()).toBe(1);
      for (let i = 0; i < 40 && engine.tracked() > 0; i++) await waitReal(50);
      expect(engine.tracked()).toBe(0);
    } finally {
      runtime.claim = claim;
      runtime.claimMany = claimMany;
    }
    // Once the runtime state answers again, the periodic rescan takes the run back.
    for (let i = 0; i < 100 && engine.tracked() === 0; i++) await waitReal(50);
    expect(engine.tracked()).toBe(1);
  });
});
