import argon2 from 'argon2';

/** argon2id with OWASP's recommended floor (19 MiB, 2 passes); parameters travel inside the hash. */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export class PasswordHasher {
  /** A hash of a random password, verified against when the email is unknown so timing reveals nothing. */
  private dummy: Promise<string> | null = null;

  hash(password: string): Promise<string> {
    return argon2.hash(password, OPTIONS);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** Spend the same time as a real verify, for unknown accounts. */
  async burn(password: string): Promise<void> {
    this.dummy ??= argon2.hash('no-such-user-dummy-password', OPTIONS);
    await this.verify(await this.dummy, password);
  }
}
