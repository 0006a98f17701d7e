/**
 * Sim accounts a test or demo can log in with. The TOTP secret is base32, as Angel shows it when
 * the user enables TOTP; the sim checks the 6-digit code against it like Angel does.
 */
export interface AngelOneSimAccount {
  apiKey: string;
  clientCode: string;
  mpin: string;
  totpSecret: string;
  name: string;
  email: string;
}

export const ANGELONE_SIM_ACCOUNT: AngelOneSimAccount = {
  apiKey: 'SmSimKey01',
  clientCode: 'S1234567',
  mpin: '1234',
  totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  name: 'SIM TRADER',
  email: 'sim.trader@example.com',
};

/** A second account, so tests can show one account never sees another's orders. */
export const ANGELONE_SIM_ACCOUNT_2: AngelOneSimAccount = {
  apiKey: 'SmSimKey02',
  clientCode: 'S7654321',
  mpin: '4321',
  totpSecret: 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU',
  name: 'SIM TRADER TWO',
  email: 'sim.trader2@example.com',
};

export const ANGELONE_SIM_ACCOUNTS: readonly AngelOneSimAccount[] = [ANGELONE_SIM_ACCOUNT, ANGELONE_SIM_ACCOUNT_2];
