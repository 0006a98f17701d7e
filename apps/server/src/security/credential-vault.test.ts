import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CredentialVault } from './credential-vault';
import { parseAesKeys } from './master-keys';

const k1 = randomBytes(32);
const k2 = randomBytes(32);

describe('CredentialVault', () => {
  it('round-trips a secret bound to its row', () => {
    const v = new CredentialVault(new Map([[1, k1]]));
    const s = v.sealJson({ api_secret: 'shh' }, 'user-1:acct-1');
    expect(s.text).not.toContain('shh');
    expect(v.openJson(s.text, 'user-1:acct-1')).toEqual({ api_secret: 'shh' });
  });

  it('uses a fresh 96-bit IV per record', () => {
    const v = new CredentialVault(new Map([[1, k1]]));
    const a = v.seal(Buffer.from('same'), 'x');
    const b = v.seal(Buffer.from('same'), 'x');
    expect(Buffer.from(a.iv, 'base64')).toHaveLength(12);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it('rejects a flipped byte in the ciphertext, the tag or the IV', () => {
    const v = new CredentialVault(new Map([[1, k1]]));
    const s = v.seal(Buffer.from('access-token-value'), 'u:a');
    for (const field of ['ciphertext', 'tag', 'iv'] as const) {
      const bytes = Buffer.from(s[field], 'base64');
      bytes[0] = (bytes[0] as number) ^ 0x01;
      expect(() => v.open({ ...s, [field]: bytes.toString('base64') }, 'u:a')).toThrow(/failed authentication/);
    }
  });

  it('rejects a ciphertext moved to another row (AAD mismatch)', () => {
    const v = new CredentialVault(new Map([[1, k1]]));
    const alice = v.sealJson({ token: 'alice-token' }, 'alice:acct-a');
    expect(() => v.openJson(alice.text, 'bob:acct-b')).toThrow(/failed authentication/);
    expect(() => v.openJson(alice.text, 'alice:acct-other')).toThrow(/failed authentication/);
  });

  it('rotates keys: old records open with the old version and re-seal with the new one', () => {
    const old = new CredentialVault(new Map([[1, k1]]));
    const sealedOld = old.sealJson({ s: 'v1' }, 'u:a');
    const rotated = new CredentialVault(parseAesKeys(`2:${k2.toString('base64')},1:${k1.toString('base64')}`));
    expect(rotated.currentKeyVersion).toBe(2);
    const parsed = JSON.parse(sealedOld.text);
    expect(rotated.isStale(parsed)).toBe(true);
    const plain = rotated.openJson<{ s: string }>(sealedOld.text, 'u:a');
    expect(plain).toEqual({ s: 'v1' });
    const resealed = rotated.sealJson(plain, 'u:a');
    expect(resealed.keyVersion).toBe(2);
    expect(rotated.isStale(JSON.parse(resealed.text))).toBe(false);
    // A vault that has only the new key cannot open the old record.
    const onlyNew = new CredentialVault(new Map([[2, k2]]));
    expect(() => onlyNew.openJson(sealedOld.text, 'u:a')).toThrow(/No key for version 1/);
    expect(onlyNew.openJson(resealed.text, 'u:a')).toEqual({ s: 'v1' });
  });

  it('refuses master keys that are not 32 bytes', () => {
    expect(() => parseAesKeys(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
  });
});
