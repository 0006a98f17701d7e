import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { DomainError } from '../domain/errors';
import type { Sealed, Vault } from '../ports/vault';

/**
 * AES-256-GCM with a fresh 96-bit IV per record. The working key is derived from the master key
 * with HKDF, so the master key itself never encrypts data. The AAD binds each ciphertext to its
 * row (`userId:brokerAccountId`): a ciphertext copied to another row fails authentication.
 */
export class CredentialVault implements Vault {
  private readonly keys = new Map<number, Buffer>();
  readonly currentKeyVersion: number;

  constructor(masterKeys: Map<number, Buffer>) {
    for (const [v, k] of masterKeys) {
      this.keys.set(v, Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), Buffer.from(`ats-credential-vault-v${v}`), 32)));
    }
    this.currentKeyVersion = Math.max(...this.keys.keys());
  }

  seal(plain: Uint8Array, aad: string): Sealed {
    const key = this.keys.get(this.currentKeyVersion) as Buffer;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
    return {
      keyVersion: this.currentKeyVersion,
      iv: iv.toString('base64'),
      ciphertext: ciphertext.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
  }

  open(sealed: Sealed, aad: string): Uint8Array {
    const key = this.keys.get(sealed.keyVersion);
    if (!key) throw new DomainError('internal', 'VAULT_KEY_MISSING', `No key for version ${sealed.keyVersion}`);
    try {
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
      d.setAAD(Buffer.from(aad, 'utf8'));
      d.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      return Buffer.concat([d.update(Buffer.from(sealed.ciphertext, 'base64')), d.final()]);
    } catch {
      throw new DomainError('internal', 'VAULT_TAMPERED', 'Stored credentials failed authentication');
    }
  }

  /** Whether a record should be re-sealed under the current key (key rotation). */
  isStale(sealed: Sealed): boolean {
    return sealed.keyVersion !== this.currentKeyVersion;
  }

  /** Convenience for JSON secrets stored as one text column. */
  sealJson(value: unknown, aad: string): { text: string; keyVersion: number } {
    const s = this.seal(Buffer.from(JSON.stringify(value), 'utf8'), aad);
    return { text: JSON.stringify(s), keyVersion: s.keyVersion };
  }

  openJson<T>(text: string, aad: string): T {
    const sealed = JSON.parse(text) as Sealed;
    return JSON.parse(Buffer.from(this.open(sealed, aad)).toString('utf8')) as T;
  }
}
