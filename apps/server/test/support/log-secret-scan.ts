import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Keys whose values are secrets wherever they appear in a log line. */
const SECRET_KEYS = new Set([
  'password', 'access_token', 'refresh_token', 'api_secret', 'secret_key', 'totp', 'totp_secret', 'mpin', 'pin',
  'request_token', 'auth_code', 'authorization', 'cookie', 'token', 'jwtToken', 'feedToken', 'credentials', 'sealed_secret',
]);
/** Things that look like bearer material even under an innocent key. */
const SECRET_SHAPES = [/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./, /"?Bearer [A-Za-z0-9._-]{16,}/, /[?&](request_token|auth_code|access_token|code)=[^&"\s]{6,}/];

export interface Finding {
  file: string;
  line: number;
  reason: string;
}

function walk(v: unknown, path: string, out: string[]): void {
  if (v === null || typeof v !== 'object') return;
  for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
    const p = path ? `${path}.${k}` : k;
    if (SECRET_KEYS.has(k) && child !== '[redacted]' && child !== undefined && child !== null && child !== '') out.push(`${p} is not redacted`);
    walk(child, p, out);
  }
}

/** Scans every JSON log line in `dir` for an unredacted secret field or a bearer-looking value. */
export function scanLogsForSecrets(dir: string): { lines: number; findings: Finding[] } {
  const findings: Finding[] = [];
  let lines = 0;
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.log'));
  } catch {
    return { lines, findings };
  }
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8').split('\n');
    text.forEach((raw, i) => {
      if (!raw.trim()) return;
      lines += 1;
      const reasons: string[] = [];
      try {
        walk(JSON.parse(raw), '', reasons);
      } catch {
        reasons.push('not a JSON log line');
      }
      for (const re of SECRET_SHAPES) if (re.test(raw)) reasons.push(`matches ${re.source}`);
      for (const reason of reasons) findings.push({ file: f, line: i + 1, reason });
    });
  }
  return { lines, findings };
}
