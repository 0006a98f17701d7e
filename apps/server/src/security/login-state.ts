import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `state` carried through a broker's redirect login. The callback arrives from the user's
 * browser without our access token, so the state itself must say, unforgeably and briefly, which
 * user's which broker account is logging in.
 */
export class LoginState {
  constructor(
    private readonly secret: string,
    private readonly now: () => number,
    private readonly ttlMs = 10 * 60_000,
  ) {}

  issue(userId: string, accountId: string): string {
    const body = `${userId}.${accountId}.${Math.floor((this.now() + this.ttlMs) / 1000)}`;
    return `${Buffer.from(body).toString('base64url')}.${this.sign(body)}`;
  }

  verify(state: string): { userId: string; accountId: string } | null {
    const [b64, sig] = state.split('.');
    if (!b64 || !sig) return null;
    const body = Buffer.from(b64, 'base64url').toString('utf8');
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    const [userId, accountId, exp] = body.split('.');
    if (!userId || !accountId || !exp || Number(exp) * 1000 < this.now()) return null;
    return { userId, accountId };
  }

  private sign(body: string): string {
    return createHmac('sha256', `login-state:${this.secret}`).update(body).digest('base64url');
  }
}
