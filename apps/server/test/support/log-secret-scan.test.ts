import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanLogsForSecrets } from './log-secret-scan';

describe('the log secret scan', () => {
  it('passes redacted lines and catches unredacted secrets and bearer-looking values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-'));
    writeFileSync(
      join(dir, 'a.log'),
      [
        JSON.stringify({ msg: 'ok', req: { headers: { authorization: '[redacted]' } }, body: { password: '[redacted]' } }),
        JSON.stringify({ msg: 'leak', body: { password: 'hunter22' } }),
        JSON.stringify({ msg: 'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig' }),
        '',
      ].join('\n'),
    );
    const r = scanLogsForSecrets(dir);
    expect(r.lines).toBe(3);
    expect(r.findings.map((f) => f.line)).toEqual([2, 3]);
  });
});
