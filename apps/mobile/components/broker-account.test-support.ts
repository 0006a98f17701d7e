import type { BrokerAccount } from '@ats/contracts';

/** A broker account as `/broker/status` lists it; tests override what they are about. */
export function brokerAccount(o: Partial<BrokerAccount> & Pick<BrokerAccount, 'id' | 'broker' | 'label'>): BrokerAccount {
  return {
    status: 'CONNECTED',
    status_message: null,
    token_expires_at: null,
    last_checked_at: null,
    account_ref: null,
    login_required: false,
    can_auto_login: false,
    created_at: '2026-01-01T00:00:00.000Z',
    ...o,
  };
}
