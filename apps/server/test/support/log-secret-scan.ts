import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BROKER_SIM_SECRETS } from '@ats/broker-sims';
import { PLAIN_TEXT_LOG_SUFFIX, TEST_AES_MASTER_KEY, TEST_AES_NEXT_KEY, TEST_JWT_SECRET_KEY } from './test-env';

/** The literal secret values tests log in and sign with: none may appear in any log, under any key. */
export const KNOWN_TEST_SECRETS: Readonly<Record<string, string>> = {
  ...BROKER_SIM_SECRETS,
  TEST_JWT_SECRET_KEY,
  TEST_AES_MASTER_KEY,
  TEST_AES_NEXT_KEY,
};

/** Keys whose values are secrets wherever they appear in a log line. */
const SECRET_KEYS = new Set([
  'password', 'access_token', 'refresh_token', 'api_secret', 'secret_key', 'totp', 'totp_secret', 'mpin', 'pin',
  'request_token', 'auth_code', 'authorization', 'cookie', 'token', 'jwtToken', 'feedToken', 'credentials', 'sealed_secret',
]);
/** Things that look like bearer material even under an innocent key. */
const SECRET_SHAPES = [/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./, /"?Bearer [A-Za-z0-9._-]{16,}/, /[?&](request_token|auth_code|access_token|code)=[^&"\s]{6,}/];

/**
 * A secret at least this long is searched for anywhere in a line. A shorter one (a 4-digit MPIN, a
 * 6-digit PIN) would match timestamps, ports and quantities, so it only counts as a whole quoted
 * string: `"1234"` or `'1234'`.
 */
const FREE_MATCH_MIN_LENGTH = 8;

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

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One regex for every known secret value, so each line is searched once whatever the list's size. */
function literalMatcher(literals: Readonly<Record<string, string>>): ((raw: string) => string[]) | null {
  const nameOf = new Map<string, string>();
  for (const [name, value] of Object.entries(literals)) {
    if (!value) continue;
    const known = nameOf.get(value);
    nameOf.set(value, known ? `${known}/${name}` : name);
  }
  if (nameOf.size === 0) return null;
  const alternatives = [...nameOf.keys()]
    .sort((a, b) => b.length - a.length)
    .map((v) => (v.length >= FREE_MATCH_MIN_LENGTH ? escapeRegExp(v) : `(?<=["'])${escapeRegExp(v)}(?=["'])`));
  const re = new RegExp(alternatives.join('|'), 'g');
  return (raw) => {
    const names = new Set<string>();
    for (const m of raw.matchAll(re)) names.add(nameOf.get(m[0]) as string);
    return [...names];
  };
}

/**
 * Scans every log line in `dir` for an unredacted secret field, a bearer-looking value, or the
 * literal value of a known secret (`literals`, by name; findings name the secret, never print it).
 * `*.log` files hold JSON lines; `*.stderr.log` files are plain text.
 */
export function scanLogsForSecrets(dir: string, literals: Readonly<Record<string, string>> = {}): { lines: number; findings: Finding[] } {
  const findings: Finding[] = [];
  const matchLiterals = literalMatcher(literals);
  let lines = 0;
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.log'));
  } catch {
    return { lines, findings };
  }
  for (const f of files) {
    const plainText = f.endsWith(PLAIN_TEXT_LOG_SUFFIX);
    const text = readFileSync(join(dir, f), 'utf8').split('\n');
    text.forEach((raw, i) => {
      if (!raw.trim()) return;
      lines += 1;
      const reasons: string[] = [];
      if (!plainText) {
        try {
          walk(JSON.parse(raw), '', reasons);
        } catch {
          reasons.push('not a JSON log line');
        }
      }
      for (const re of SECRET_SHAPES) if (re.test(raw)) reasons.push(`matches ${re.source}`);
      if (matchLiterals) for (const name of matchLiterals(raw)) reasons.push(`contains the value of ${name}`);
      for (const reason of reasons) findings.push({ file: f, line: i + 1, reason });
    });
  }
  return { lines, findings };
}
