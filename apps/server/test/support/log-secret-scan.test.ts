import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANGELONE_SIM_ACCOUNT, DHAN_SIM_PIN, DHAN_SIM_TOTP_SECRET, FYERS_SIM_SECRET_KEY, KITE_SIM_API_SECRET } from '@ats/broker-sims';
import { KNOWN_TEST_SECRETS, scanLogsForSecrets } from './log-secret-scan';
import { TEST_AES_MASTER_KEY, TEST_JWT_SECRET_KEY } from './test-env';

const lines = (...l: string[]) => [...l, ''].join('\n');

describe('the log secret scan', () => {
  it('passes redacted lines and catches unredacted secrets and bearer-looking values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-'));
    writeFileSync(
      join(dir, 'a.log'),
      lines(
        JSON.stringify({ msg: 'ok', req: { headers: { authorization: '[redacted]' } }, body: { password: '[redacted]' } }),
        JSON.stringify({ msg: 'leak', body: { password: 'hunter22' } }),
        JSON.stringify({ msg: 'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig' }),
      ),
    );
    const r = scanLogsForSecrets(dir);
    expect(r.lines).toBe(3);
    expect(r.findings.map((f) => f.line)).toEqual([2, 3]);
  });

  it('knows the sims\' and the test platform\'s secret values', () => {
    const values = Object.values(KNOWN_TEST_SECRETS);
    for (const v of [KITE_SIM_API_SECRET, FYERS_SIM_SECRET_KEY, DHAN_SIM_PIN, DHAN_SIM_TOTP_SECRET, ANGELONE_SIM_ACCOUNT.mpin, ANGELONE_SIM_ACCOUNT.totpSecret, TEST_JWT_SECRET_KEY, TEST_AES_MASTER_KEY]) {
      expect(values).toContain(v);
    }
  });

  it('finds a known secret value under an innocent key or inside a message, and names it without printing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-'));
    writeFileSync(
      join(dir, 'a.log'),
      lines(
        JSON.stringify({ msg: 'connect', body: { broker: 'zerodha', note: KITE_SIM_API_SECRET } }),
        JSON.stringify({ msg: `login failed for ${ANGELONE_SIM_ACCOUNT.clientCode} with totp ${ANGELONE_SIM_ACCOUNT.totpSecret}` }),
        JSON.stringify({ msg: 'short secrets count only as whole strings', code: DHAN_SIM_PIN }),
        // A 4- or 6-digit secret inside a number, a port or a timestamp is not a finding.
        JSON.stringify({ msg: `listening on 127.0.0.1:${ANGELONE_SIM_ACCOUNT.mpin}`, ts: Number(`1${DHAN_SIM_PIN}0000`), qty: Number(ANGELONE_SIM_ACCOUNT.mpin) }),
        JSON.stringify({ msg: 'config', env: { key: TEST_AES_MASTER_KEY } }),
      ),
    );
    const r = scanLogsForSecrets(dir, KNOWN_TEST_SECRETS);
    expect(r.findings).toEqual([
      { file: 'a.log', line: 1, reason: 'contains the value of KITE_SIM_API_SECRET' },
      { file: 'a.log', line: 2, reason: `contains the value of ANGELONE_SIM_TOTP_SECRET(${ANGELONE_SIM_ACCOUNT.clientCode})` },
      { file: 'a.log', line: 3, reason: 'contains the value of DHAN_SIM_PIN' },
      { file: 'a.log', line: 5, reason: 'contains the value of TEST_AES_MASTER_KEY' },
    ]);
    expect(JSON.stringify(r.findings)).not.toContain(KITE_SIM_API_SECRET);
  });

  it('reads a child process\'s stderr as plain text, and still finds secrets in it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-'));
    writeFileSync(join(dir, 'server-1-2.stderr.log'), lines('(node:123) Warning: something harmless', `Error: bad key ${FYERS_SIM_SECRET_KEY}`));
    const r = scanLogsForSecrets(dir, KNOWN_TEST_SECRETS);
    expect(r.lines).toBe(2);
    expect(r.findings).toEqual([{ file: 'server-1-2.stderr.log', line: 2, reason: 'contains the value of FYERS_SIM_SECRET_KEY' }]);
  });
});
