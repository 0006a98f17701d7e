import { z } from 'zod';

export const BrokerKind = z.enum(['zerodha', 'dhan', 'fyers', 'angelone', 'paper'], {
  error: 'Broker must be one of zerodha, dhan, fyers, angelone, paper',
});
export type BrokerKind = z.infer<typeof BrokerKind>;

const field = (label: string, max = 512) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? `${label} is required` : `${label} must be text`) })
    .trim()
    .min(1, `${label} is required`)
    .max(max, `${label} is too long`);

const digits = (label: string, n: number) =>
  z
    .string({ error: `${label} is required` })
    .trim()
    .regex(new RegExp(`^\\d{${n}}$`), `${label} must be ${n} digits`);

const totpSecret = z
  .string({ error: 'TOTP secret is required' })
  .trim()
  .transform((s) => s.replace(/\s+/g, '').toUpperCase())
  .pipe(z.string().regex(/^[A-Z2-7]{16,128}=*$/, 'TOTP secret must be the base32 key shown when you enabled TOTP'));

/**
 * What a trader types to connect each broker. Zerodha and Fyers log in through the broker's page
 * (redirect) unless an access token is pasted; Angel One and Dhan can log in daily by themselves
 * from a stored TOTP secret.
 */
export const ZerodhaCredentials = z.object({
  api_key: field('API key', 64),
  api_secret: field('API secret', 128),
  access_token: field('Access token').optional(),
});
export const DhanCredentials = z
  .object({
    client_id: field('Client ID', 32),
    access_token: field('Access token', 4096).optional(),
    pin: digits('PIN', 6).optional(),
    totp_secret: totpSecret.optional(),
  })
  .superRefine((c, ctx) => {
    if (!c.access_token && !(c.pin && c.totp_secret)) {
      ctx.addIssue({ code: 'custom', path: ['access_token'], message: 'Paste an access token, or give your PIN and TOTP secret' });
    }
  });
export const FyersCredentials = z.object({
  app_id: field('App ID', 64),
  secret_key: field('Secret key', 128),
  access_token: field('Access token', 4096).optional(),
});
export const AngelOneCredentials = z
  .object({
    api_key: field('API key', 64),
    client_code: field('Client code', 32),
    mpin: digits('MPIN', 4).optional(),
    totp_secret: totpSecret.optional(),
    access_token: field('Access token', 4096).optional(),
    feed_token: field('Feed token', 4096).optional(),
  })
  .superRefine((c, ctx) => {
    if (!(c.mpin && c.totp_secret) && !(c.access_token && c.feed_token)) {
      ctx.addIssue({ code: 'custom', path: ['mpin'], message: 'Give your MPIN and TOTP secret for automatic daily login, or paste an access token and feed token' });
    }
  });
export const PaperCredentials = z.object({}).strict();

const label = z.string().trim().min(1, 'Label cannot be empty').max(60, 'Label is too long').optional();

export const ConnectBrokerBody = z.discriminatedUnion('broker', [
  z.object({ broker: z.literal('zerodha'), label, credentials: ZerodhaCredentials }),
  z.object({ broker: z.literal('dhan'), label, credentials: DhanCredentials }),
  z.object({ broker: z.literal('fyers'), label, credentials: FyersCredentials }),
  z.object({ broker: z.literal('angelone'), label, credentials: AngelOneCredentials }),
  z.object({ broker: z.literal('paper'), label, credentials: PaperCredentials.default({}) }),
]);
export type ConnectBrokerBody = z.infer<typeof ConnectBrokerBody>;

export const BrokerConnectionStatus = z.enum(['CONNECTED', 'TOKEN_EXPIRED', 'ERROR']);
export type BrokerConnectionStatus = z.infer<typeof BrokerConnectionStatus>;

/** A connected account as the app sees it. Never any secret. */
export const BrokerAccount = z.object({
  id: z.uuid(),
  broker: BrokerKind,
  label: z.string(),
  status: BrokerConnectionStatus,
  status_message: z.string().nullable(),
  token_expires_at: z.string().nullable(),
  last_checked_at: z.string().nullable(),
  account_ref: z.string().nullable(),
  login_required: z.boolean(),
  can_auto_login: z.boolean(),
  created_at: z.string(),
});
export type BrokerAccount = z.infer<typeof BrokerAccount>;

export const BrokerStatusResponse = z.object({ items: z.array(BrokerAccount) });
export const BrokerIdParams = z.object({ broker_id: z.string() });
export const LoginUrlResponse = z.object({ url: z.string(), state: z.string() });
export const BrokerCallbackParams = z.object({ broker: BrokerKind });

export const Instrument = z.object({
  exchange: z.enum(['NSE', 'BSE']),
  symbol: z.string(),
  name: z.string(),
  tick_size: z.number(),
  lot_size: z.number().int(),
});
export type Instrument = z.infer<typeof Instrument>;

export const InstrumentSearchQuery = z.object({
  q: z.string({ error: 'Type part of a symbol or company name' }).trim().min(1, 'Type part of a symbol or company name').max(40, 'Search text is too long'),
  broker_id: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});
export const InstrumentSearchResponse = z.object({ items: z.array(Instrument) });
