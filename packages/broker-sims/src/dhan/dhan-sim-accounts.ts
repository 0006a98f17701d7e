/**
 * The Dhan sim's one account. Tests and demos log in with these: PIN + TOTP (the secret is a
 * base32 RFC-6238 seed, as the user would copy it from Dhan's "enable TOTP" screen), or by pasting
 * the pre-issued long-lived access token.
 */
export const DHAN_SIM_CLIENT_ID = '1100000001';
export const DHAN_SIM_CLIENT_NAME = 'SIM TRADER';
export const DHAN_SIM_PIN = '123456';
export const DHAN_SIM_TOTP_SECRET = 'JBSWY3DPEHPK3PXPKRUGS43UMVZXG2LN';

/** A JWT-shaped token like the one web.dhan.co issues, valid until 2099 in the sim (and again after `/_sim/reset`). */
export const DHAN_SIM_ACCESS_TOKEN =
  'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.' +
  'eyJpc3MiOiJkaGFuIiwicGFydG5lcklkIjoiIiwiZXhwIjo0MDcwOTA4ODAwLCJ0b2tlbkNvbnN1bWVyVHlwZSI6IlNFTEYiLCJ3ZWJob29rVXJsIjoiIiwiZGhhbkNsaWVudElkIjoiMTEwMDAwMDAwMSJ9.' +
  'c2ltLXByZS1pc3N1ZWQtdG9rZW4tZm9yLXBhc3RlLWxvZ2luLXRlc3RzLW9ubHk';

export interface DhanSimAccount {
  clientId: string;
  name: string;
  pin: string;
  totpSecret: string;
}

export const DHAN_SIM_ACCOUNTS: readonly DhanSimAccount[] = [
  { clientId: DHAN_SIM_CLIENT_ID, name: DHAN_SIM_CLIENT_NAME, pin: DHAN_SIM_PIN, totpSecret: DHAN_SIM_TOTP_SECRET },
];
