import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Environment → typed config. Every variable is documented in README.md; a bad value stops the
 * process at start-up with a message that names the variable.
 */
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const hhmmss = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/, 'must be HH:MM:SS');
const url = z.string().url('must be a URL');

/**
 * The base64 text can look right and still not be a 32-byte key (AES-256): say so at start-up,
 * naming the variable, rather than failing later inside the vault.
 */
function aesKeyProblems(value: string): string[] {
  const problems: string[] = [];
  for (const part of value.split(',')) {
    const m = /^(?:(\d+):)?(.+)$/.exec(part.trim());
    const version = m?.[1] ? Number(m[1]) : 1;
    const bytes = Buffer.from(m?.[2] ?? '', 'base64').length;
    if (bytes !== 32) problems.push(`key version ${version} must decode to 32 bytes (AES-256), got ${bytes}`);
  }
  return problems;
}

/** `true`, `false`, a hop count, or proxy addresses: IPs, CIDRs, or proxy-addr's named ranges. */
function isTrustProxy(v: string): boolean {
  if (/^(true|false|\d+)$/.test(v)) return true;
  return v.split(',').every((part) => {
    const t = part.trim();
    if (['loopback', 'linklocal', 'uniquelocal'].includes(t)) return true;
    const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(t);
    const family = m ? isIP(m[1] as string) : 0;
    return family !== 0 && (m?.[2] === undefined || Number(m[2]) <= (family === 4 ? 32 : 128));
  });
}

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  ATS_DATA_DIR: z.string().min(1).default('./data'),
  JWT_SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  AES_MASTER_KEY: z
    .string()
    .regex(/^(\d+:)?[A-Za-z0-9+/=_-]{43,}(,(\d+:)?[A-Za-z0-9+/=_-]{43,})*$/, 'must be base64 of 32 bytes, optionally "version:key" pairs separated by commas')
    .superRefine((value, ctx) => {
      for (const problem of aesKeyProblems(value)) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  ATS_CALENDAR: z.enum(['nse', 'always-open']).default('nse'),
  ATS_ROLES: z
    .string()
    .default('api,engine')
    .refine((s) => s.split(',').every((r) => ['api', 'engine'].includes(r.trim())), 'must be a comma list of api, engine'),
  ATS_TRUST_PROXY: z
    .string()
    .trim()
    .refine(isTrustProxy, 'must be true, false, a number of proxy hops, or a comma list of proxy addresses/CIDRs')
    .transform((v): boolean | number | string => (v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v.replace(/\s+/g, '')))
    .default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CORS_ORIGINS: z.string().default('*'),
  ATS_PUBLIC_URL: url.optional(),
  ATS_MAX_QUANTITY: z.coerce.number().int().min(1).default(10_000),
  ATS_SQUARE_OFF_TIME: hhmmss.default('15:15:00'),
  ATS_ENTRY_GRACE_MS: z.coerce.number().int().min(0).default(5_000),
  ATS_FEED_STALE_MS: z.coerce.number().int().min(100).default(3_000),
  ATS_BROKER_ORDER_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  ATS_BROKER_PIPELINE_DEPTH: z.coerce.number().int().min(1).max(256).default(32),
  ATS_PAPER_LATENCY_MS: z.coerce.number().int().min(0).default(50),
  ATS_PAPER_SLIPPAGE_BPS: z.coerce.number().min(0).default(0),
  ATS_SERVE_APP: bool.default(true),
  ATS_WEB_DIST: z.string().min(1).optional(),
  KITE_API_URL: url.default('https://api.kite.trade'),
  KITE_WS_URL: url.default('wss://ws.kite.trade'),
  KITE_LOGIN_URL: url.default('https://kite.zerodha.com'),
  DHAN_API_URL: url.default('https://api.dhan.co'),
  DHAN_AUTH_URL: url.default('https://auth.dhan.co'),
  DHAN_FEED_URL: url.default('wss://api-feed.dhan.co'),
  FYERS_API_URL: url.default('https://api-t1.fyers.in'),
  FYERS_WS_URL: url.default('wss://socket.fyers.in/hsm/v1-5/prod'),
  ANGELONE_API_URL: url.default('https://apiconnect.angelone.in'),
  ANGELONE_WS_URL: url.default('wss://smartapisocket.angelone.in/smart-stream'),
});

export type Env = z.infer<typeof Env>;
export type Mode = 'embedded' | 'production';

export interface Config extends Env {
  mode: Mode;
  roles: { api: boolean; engine: boolean };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset": `FOO= npm start` should not fail validation.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = Env.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const mode: Mode = e.DATABASE_URL ? 'production' : 'embedded';
  if (mode === 'production') {
    const missing = (['JWT_SECRET_KEY', 'AES_MASTER_KEY'] as const).filter((k) => !e[k]);
    if (missing.length) throw new ConfigError(missing.map((k) => `${k}: required when DATABASE_URL is set (production mode)`));
  }
  const roles = e.ATS_ROLES.split(',').map((r) => r.trim());
  return { ...e, mode, roles: { api: roles.includes('api'), engine: roles.includes('engine') } };
}
