import { ANGELONE_SIM_ACCOUNTS } from './angelone/angelone-sim-accounts';
import { DHAN_SIM_ACCESS_TOKEN, DHAN_SIM_PIN, DHAN_SIM_TOTP_SECRET } from './dhan/dhan-sim-accounts';
import { FYERS_SIM_SECRET_KEY } from './fyers/fyers-sim';
import { KITE_SIM_API_SECRET } from './zerodha';

/**
 * Every secret value the sims' accounts are logged in with, by name. The test suite's log scan
 * greps for these literal values, so a secret that slips past redaction under an innocent key (or
 * in a message string) is still caught. Names only are ever printed, never the values.
 */
export const BROKER_SIM_SECRETS: Readonly<Record<string, string>> = {
  KITE_SIM_API_SECRET,
  FYERS_SIM_SECRET_KEY,
  DHAN_SIM_PIN,
  DHAN_SIM_TOTP_SECRET,
  DHAN_SIM_ACCESS_TOKEN,
  ...Object.fromEntries(
    ANGELONE_SIM_ACCOUNTS.flatMap((a) => [
      [`ANGELONE_SIM_MPIN(${a.clientCode})`, a.mpin],
      [`ANGELONE_SIM_TOTP_SECRET(${a.clientCode})`, a.totpSecret],
    ]),
  ),
};
