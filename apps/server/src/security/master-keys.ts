import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export interface KeyMaterial {
  jwtSecret: string;
  /** AES master keys by version; the highest version seals new records */
  aesKeys: Map<number, Buffer>;
  generated: string[];
}

/**
 * `AES_MASTER_KEY` is base64 of 32 bytes, or a rotation list `2:newkey,1:oldkey`. Old versions
 * stay so existing records still open; new records use the highest version.
 */
export function parseAesKeys(value: string): Map<number, Buffer> {
  const keys = new Map<number, Buffer>();
  for (const part of value.split(',')) {
    const m = /^(?:(\d+):)?(.+)$/.exec(part.trim());
    if (!m) continue;
    const version = m[1] ? Number(m[1]) : 1;
    const key = Buffer.from(m[2] as string, 'base64');
    if (key.length !== 32) throw new Error(`AES_MASTER_KEY version ${version}: must decode to 32 bytes, got ${key.length}`);
    keys.set(version, key);
  }
  if (keys.size === 0) throw new Error('AES_MASTER_KEY: no key found');
  return keys;
}

/**
 * Embedded mode must start with zero configuration, yet never with a guessable key: missing keys
 * are generated once, kept in the data directory with 0600 permissions, and reused after that.
 */
export function loadOrCreateKeys(dataDir: string, env: { JWT_SECRET_KEY?: string; AES_MASTER_KEY?: string }): KeyMaterial {
  const generated: string[] = [];
  const read = (name: string, make: () => string): string => {
    const file = join(dataDir, name);
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    mkdirSync(dataDir, { recursive: true });
    const v = make();
    writeFileSync(file, `${v}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    generated.push(name);
    return v;
  };
  const jwtSecret = env.JWT_SECRET_KEY ?? read('jwt-secret.key', () => randomBytes(48).toString('base64url'));
  const aes = env.AES_MASTER_KEY ?? read('aes-master.key', () => randomBytes(32).toString('base64'));
  return { jwtSecret, aesKeys: parseAesKeys(aes), generated };
}
