import { randomBytes } from 'node:crypto';

export type TokenLookup = { kind: 'ok'; account: string } | { kind: 'expired'; account: string } | { kind: 'unknown' };

/** Access tokens a sim has issued, with their expiry. `/_sim/expire-tokens` expires them all at once. */
export class TokenRegistry {
  private readonly tokens = new Map<string, { account: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(account: string, ttlMs: number, token = randomBytes(16).toString('hex')): string {
    this.tokens.set(token, { account, expiresAt: this.now() + ttlMs });
    return token;
  }

  lookup(token: string | undefined | null): TokenLookup {
    if (!token) return { kind: 'unknown' };
    const t = this.tokens.get(token);
    if (!t) return { kind: 'unknown' };
    return t.expiresAt <= this.now() ? { kind: 'expired', account: t.account } : { kind: 'ok', account: t.account };
  }

  expiresAt(token: string): number | null {
    return this.tokens.get(token)?.expiresAt ?? null;
  }

  expireAll(): void {
    const t = this.now();
    for (const v of this.tokens.values()) v.expiresAt = Math.min(v.expiresAt, t);
  }

  clear(): void {
    this.tokens.clear();
  }
}
