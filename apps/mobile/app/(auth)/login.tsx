import { useRef, useState } from 'react';
import { type TextInput } from 'react-native';
import { Link } from 'expo-router';
import { ApiError } from '../../api/errors';
import { Button } from '../../components/Button';
import { ErrorBanner, NoticeBanner } from '../../components/ErrorBanner';
import { Card, Screen } from '../../components/Screen';
import { ServerUrlField } from '../../components/ServerUrlField';
import { TextField } from '../../components/TextField';
import { Txt } from '../../components/Txt';
import { validateLogin, type LoginValues } from '../../forms/auth-form';
import type { FieldErrors } from '../../forms/field-errors';
import { session, useSession } from '../../state/app-state';
import { useTheme } from '../../theme/theme';

export default function LoginScreen() {
  const t = useTheme();
  const notice = useSession((s) => s.notice);
  const [values, setValues] = useState<LoginValues>({ email: '', password: '' });
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const passwordRef = useRef<TextInput>(null);

  const submit = async () => {
    const v = validateLogin(values);
    if (!v.ok) {
      setFields(v.fields);
      return;
    }
    setFields({});
    setError(null);
    setBusy(true);
    try {
      session.store.getState().clearNotice();
      await session.store.getState().login(v.value);
    } catch (e) {
      // Values stay in state: the trader fixes and resubmits without retyping.
      if (e instanceof ApiError) setFields(e.fields);
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Screen>
      <Txt variant="title">Sign in</Txt>
      <Txt variant="muted">Intraday strategies on your broker account.</Txt>
      <NoticeBanner message={notice} />
      <ErrorBanner error={error} />
      <Card>
        <TextField
          label="Email"
          value={values.email}
          onChangeText={(email) => setValues((s) => ({ ...s, email }))}
          error={fields.email}
          autoCapitalize="none"
          autoComplete="email"
          inputMode="email"
          returnKeyType="next"
          onSubmitEditing={() => passwordRef.current?.focus()}
        />
        <TextField
          ref={passwordRef}
          label="Password"
          value={values.password}
          onChangeText={(password) => setValues((s) => ({ ...s, password }))}
          error={fields.password}
          secureTextEntry
          autoComplete="current-password"
          returnKeyType="go"
          onSubmitEditing={() => void submit()}
        />
        <Button title="Sign in" onPress={() => void submit()} busy={busy} testID="login-submit" />
      </Card>
      <Link href="/register" accessibilityRole="link" accessibilityLabel="Create an account" style={{ color: t.primary, fontSize: 16, padding: 8 }}>
        New here? Create an account
      </Link>
      <ServerUrlField compact />
    </Screen>
  );
}
