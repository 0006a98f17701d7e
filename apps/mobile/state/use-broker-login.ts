import * as WebBrowser from 'expo-web-browser';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { BrokerAccount } from '@ats/contracts';
import { brokerSpec } from '../forms/broker-form';
import { api } from './app-state';

/** Zerodha and Fyers (and any account the server says needs it) log in on the broker's own page. */
export function needsBrowserLogin(account: BrokerAccount): boolean {
  return brokerSpec(account.broker).redirectLogin || account.login_required;
}

/** Opens the broker's login page for an account; the Broker tab and the Home alert share it. */
export function useBrokerLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (accountId: string) => {
      const { url } = await api.broker.loginUrl(accountId);
      // The broker's own page, so the trader's broker password never touches this app.
      await WebBrowser.openBrowserAsync(url);
    },
    onSettled: () => qc.invalidateQueries({ queryKey: ['brokers'] }),
  });
}
