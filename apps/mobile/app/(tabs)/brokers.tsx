import { useState } from 'react';
import { ActivityIndicator, View } from 'react-native';
import { useLocalSearchParams, useRouter } from 'expo-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { BrokerAccount, BrokerKind } from '@ats/contracts';
import { ApiError } from '../../api/errors';
import { Button } from '../../components/Button';
import { Choice } from '../../components/Choice';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Card, Screen } from '../../components/Screen';
import { TextField } from '../../components/TextField';
import { Txt } from '../../components/Txt';
import { BROKER_SPECS, brokerSpec, validateBrokerForm } from '../../forms/broker-form';
import type { FieldErrors } from '../../forms/field-errors';
import { api } from '../../state/app-state';
import { needsBrowserLogin, useBrokerLogin } from '../../state/use-broker-login';
import { formatTime, useTheme } from '../../theme/theme';

function AccountCard({ account }: { account: BrokerAccount }) {
  const t = useTheme();
  const qc = useQueryClient();
  const [confirm, setConfirm] = useState(false);
  const spec = brokerSpec(account.broker);
  const remove = useMutation({
    mutationFn: () => api.broker.remove(account.id),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['brokers'] }),
    onSettled: () => setConfirm(false),
  });
  const login = useBrokerLogin();
  const router = useRouter();
  const ok = account.status === 'CONNECTED';
  return (
    <Card label={`${spec.title} account ${account.label}`}>
      <Txt variant="heading">{account.label}</Txt>
      <Txt variant="muted">
        {spec.title}
        {account.account_ref ? ` · ${account.account_ref}` : ''}
      </Txt>
      <Txt style={{ color: ok ? t.success : t.danger, fontWeight: '600' }} accessibilityLabel={`Connection status: ${account.status}`}>
        {ok ? 'Connected' : account.status === 'TOKEN_EXPIRED' ? 'Login expired' : 'Error'}
        {account.status_message ? ` — ${account.status_message}` : ''}
      </Txt>
      <Txt variant="small">Token expires: {account.token_expires_at ? formatTime(account.token_expires_at) : 'does not expire'}</Txt>
      <ErrorBanner error={remove.error ?? login.error} />
      <View style={{ flexDirection: 'row', gap: 8, flexWrap: 'wrap' }}>
        {needsBrowserLogin(account) ? (
          <Button title="Log in to broker" kind="secondary" onPress={() => login.mutate(account.id)} busy={login.isPending} label={`Log in to ${spec.title} again`} />
        ) : !ok ? (
          <Button
            title="Re-connect"
            kind="secondary"
            onPress={() => router.setParams({ reconnect: account.id })}
            label={`Re-connect ${account.label} with fresh credentials`}
          />
        ) : null}
        <Button title="Remove" kind="danger" onPress={() => setConfirm(true)} label={`Remove broker account ${account.label}`} />
      </View>
      <ConfirmDialog
        visible={confirm}
        title="Remove this broker account?"
        message={`${account.label} will be disconnected and its stored credentials deleted. Strategies using it cannot start until you connect again.`}
        confirmTitle="Remove"
        busy={remove.isPending}
        onConfirm={() => remove.mutate()}
        onCancel={() => setConfirm(false)}
      />
    </Card>
  );
}

/** `reconnect` is an account whose login no longer works: the form starts on its broker and label. */
function ConnectForm({ reconnect, onDone }: { reconnect?: BrokerAccount; onDone?: () => void }) {
  const qc = useQueryClient();
  const [kind, setKind] = useState<BrokerKind>(reconnect?.broker ?? 'paper');
  const [label, setLabel] = useState(reconnect?.label ?? '');
  const [values, setValues] = useState<Record<string, string>>({});
  const [fields, setFields] = useState<FieldErrors>({});
  const spec = brokerSpec(kind);
  const connect = useMutation({
    mutationFn: api.broker.connect,
    onSuccess: () => {
      setValues({});
      setLabel('');
      void qc.invalidateQueries({ queryKey: ['brokers'] });
      onDone?.();
    },
    onError: (e) => setFields(e instanceof ApiError ? e.fields : {}),
  });

  const submit = () => {
    const v = validateBrokerForm(kind, label, values);
    if (!v.ok) {
      setFields(v.fields);
      return;
    }
    setFields({});
    connect.mutate(v.value);
  };

  return (
    <Card label={reconnect ? `Re-connect ${reconnect.label}` : 'Connect a broker'}>
      <Txt variant="heading">{reconnect ? `Re-connect ${reconnect.label}` : 'Connect a broker'}</Txt>
      {reconnect ? (
        <Txt variant="muted">
          Enter fresh credentials for {reconnect.label}. This adds a new connection: choose it in your strategies, then remove the old one.
        </Txt>
      ) : null}
      <Choice<BrokerKind>
        label="Broker"
        value={kind}
        onChange={(k) => {
          setKind(k);
          setFields({});
        }}
        options={BROKER_SPECS.map((s) => ({ value: s.kind, title: s.title }))}
      />
      <Txt variant="muted">{spec.help}</Txt>
      <TextField label="Label (optional)" value={label} onChangeText={setLabel} error={fields.label} placeholder={`My ${spec.title}`} />
      {spec.fields.map((f) => (
        <TextField
          key={`${kind}-${f.key}`}
          label={f.optional ? `${f.label} (optional)` : f.label}
          value={values[f.key] ?? ''}
          onChangeText={(v) => setValues((s) => ({ ...s, [f.key]: v }))}
          error={fields[`credentials.${f.key}`]}
          hint={f.hint}
          secureTextEntry={f.secret}
          autoCapitalize="none"
          autoCorrect={false}
        />
      ))}
      <ErrorBanner error={connect.error} message={fields.credentials ?? null} />
      <Button title={`Connect ${spec.title}`} onPress={submit} busy={connect.isPending} testID="connect-broker" />
    </Card>
  );
}

export default function BrokerScreen() {
  const router = useRouter();
  // Home's "Re-connect" alert opens this tab with the account whose login stopped working.
  const { reconnect } = useLocalSearchParams<{ reconnect?: string }>();
  const status = useQuery({ queryKey: ['brokers'], queryFn: () => api.broker.status() });
  const reconnectAccount = reconnect ? status.data?.items.find((a) => a.id === reconnect) : undefined;
  const clearReconnect = () => router.setParams({ reconnect: undefined });
  return (
    <Screen>
      {reconnectAccount ? (
        <>
          <ConnectForm key={`reconnect-${reconnectAccount.id}`} reconnect={reconnectAccount} onDone={clearReconnect} />
          <Button title="Cancel re-connect" kind="secondary" onPress={clearReconnect} />
        </>
      ) : null}
      <ErrorBanner error={status.error} />
      {status.isPending ? <ActivityIndicator accessibilityLabel="Checking broker accounts" /> : null}
      {status.data?.items.length === 0 ? <Txt variant="muted">No broker connected yet.</Txt> : null}
      {status.data?.items.map((a) => <AccountCard key={a.id} account={a} />)}
      {reconnectAccount ? null : <ConnectForm />}
    </Screen>
  );
}
