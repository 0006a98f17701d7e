import { ConnectBrokerBody, type BrokerKind } from '@ats/contracts';
import { fieldErrorsOf, type Validated } from './field-errors';

export interface BrokerFieldSpec {
  key: string;
  label: string;
  secret: boolean;
  optional: boolean;
  hint?: string;
}

export interface BrokerSpec {
  kind: BrokerKind;
  title: string;
  help: string;
  /** logs in on the broker's own page unless an access token is pasted */
  redirectLogin: boolean;
  fields: BrokerFieldSpec[];
}

export const BROKER_SPECS: BrokerSpec[] = [
  {
    kind: 'paper',
    title: 'Paper (simulated)',
    help: 'Practice with simulated money and a simulated market. Nothing is sent to an exchange.',
    redirectLogin: false,
    fields: [],
  },
  {
    kind: 'zerodha',
    title: 'Zerodha (Kite)',
    help: 'Create an app at developers.kite.trade and copy its API key and secret. Zerodha sessions end every morning; after connecting, tap "Log in to broker" to sign in on Zerodha\'s page.',
    redirectLogin: true,
    fields: [
      { key: 'api_key', label: 'API key', secret: false, optional: false },
      { key: 'api_secret', label: 'API secret', secret: true, optional: false },
      { key: 'access_token', label: 'Access token', secret: true, optional: true, hint: 'Optional: paste today\'s token instead of logging in on Zerodha\'s page' },
    ],
  },
  {
    kind: 'dhan',
    title: 'Dhan',
    help: 'Find your client ID on web.dhan.co. Paste an access token, or give your PIN and TOTP secret so the server can log in every day by itself.',
    redirectLogin: false,
    fields: [
      { key: 'client_id', label: 'Client ID', secret: false, optional: false },
      { key: 'access_token', label: 'Access token', secret: true, optional: true },
      { key: 'pin', label: 'PIN', secret: true, optional: true, hint: '6 digits' },
      { key: 'totp_secret', label: 'TOTP secret', secret: true, optional: true, hint: 'The base32 key shown when you enabled TOTP' },
    ],
  },
  {
    kind: 'fyers',
    title: 'Fyers',
    help: 'Create an app in the Fyers API dashboard and copy its App ID and secret key. After connecting, tap "Log in to broker" to sign in on Fyers\' page.',
    redirectLogin: true,
    fields: [
      { key: 'app_id', label: 'App ID', secret: false, optional: false },
      { key: 'secret_key', label: 'Secret key', secret: true, optional: false },
      { key: 'access_token', label: 'Access token', secret: true, optional: true, hint: 'Optional: paste today\'s token instead of logging in on Fyers\' page' },
    ],
  },
  {
    kind: 'angelone',
    title: 'Angel One (SmartAPI)',
    help: 'Create a SmartAPI app for your API key. Give your MPIN and TOTP secret for automatic daily login, or paste an access token and feed token.',
    redirectLogin: false,
    fields: [
      { key: 'api_key', label: 'API key', secret: false, optional: false },
      { key: 'client_code', label: 'Client code', secret: false, optional: false },
      { key: 'mpin', label: 'MPIN', secret: true, optional: true, hint: '4 digits' },
      { key: 'totp_secret', label: 'TOTP secret', secret: true, optional: true, hint: 'The base32 key shown when you enabled TOTP' },
      { key: 'access_token', label: 'Access token', secret: true, optional: true },
      { key: 'feed_token', label: 'Feed token', secret: true, optional: true },
    ],
  },
];

export function brokerSpec(kind: BrokerKind): BrokerSpec {
  const spec = BROKER_SPECS.find((s) => s.kind === kind);
  if (!spec) throw new RangeError(`unknown broker ${kind}`);
  return spec;
}

/** Empty optional boxes are left out, so "optional" means absent to the server, not "". */
export function validateBrokerForm(kind: BrokerKind, label: string, values: Record<string, string>): Validated<ConnectBrokerBody> {
  const credentials: Record<string, string> = {};
  for (const f of brokerSpec(kind).fields) {
    const v = (values[f.key] ?? '').trim();
    if (v !== '' || !f.optional) credentials[f.key] = v;
  }
  const body = { broker: kind, label: label.trim() === '' ? undefined : label.trim(), credentials };
  const r = ConnectBrokerBody.safeParse(body);
  return r.success ? { ok: true, value: r.data } : { ok: false, fields: fieldErrorsOf(r.error) };
}
