import { createHmac, randomBytes } from 'node:crypto';

const SIM_SIGNING_KEY = 'fyers-sim-signing-key';

function b64url(s: string | Buffer): string {
  return Buffer.from(s).toString('base64url');
}

/** A JWT shaped like Fyers' (HS256, base64url parts); the sim is the only party that checks the signature. */
export function signSimJwt(payload: Record<string, unknown>): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(payload));
  const sig = createHmac('sha256', SIM_SIGNING_KEY).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

export function verifySimJwt(token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [head, body, sig] = parts as [string, string, string];
  const want = createHmac('sha256', SIM_SIGNING_KEY).update(`${head}.${body}`).digest('base64url');
  if (want !== sig) return null;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

const IST_OFFSET_MS = 330 * 60_000;

/**
 * Fyers tokens are daily; the docs do not give the time of day, and openalgo's notes say ~03:00 IST.
 * The sim uses the next 03:00 IST at least an hour away, so a test never gets a token about to die.
 */
export function nextFyersExpiry(nowMs: number): number {
  const ist = new Date(nowMs + IST_OFFSET_MS);
  let exp = Date.UTC(ist.getUTCFullYear(), ist.getUTCMonth(), ist.getUTCDate(), 3, 0, 0) - IST_OFFSET_MS;
  while (exp < nowMs + 3_600_000) exp += 86_400_000;
  return exp;
}

export function accessTokenPayload(opts: { fyId: string; name: string; nowMs: number; expMs: number; hsmKey: string }): Record<string, unknown> {
  const iat = Math.floor(opts.nowMs / 1000);
  return {
    iss: 'api.fyers.in',
    iat,
    exp: Math.floor(opts.expMs / 1000),
    nbf: iat,
    aud: ['d:1', 'd:2', 'x:0', 'x:1', 'x:2'],
    sub: 'access_token',
    at_hash: randomBytes(24).toString('base64'),
    display_name: opts.name,
    oms: 'K1',
    hsm_key: opts.hsmKey,
    isDdpiEnabled: 'N',
    isMtfEnabled: 'N',
    fy_id: opts.fyId,
    appType: 100,
    poa_flag: 'N',
  };
}
