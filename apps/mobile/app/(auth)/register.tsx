import { useRef, useState } from 'react';
import { type TextInput } from 'react-native';
import { Link } from 'expo-router';
import { PASSWORD_MIN_LENGTH } from '@ats/contracts';
import { ApiError } from '../../api/errors';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Card, Screen } from '../../components/Screen';
import { ServerUrlField } from '../../components/ServerUrlField';
import { TextField } from '../../components/TextField';
import { Txt } from '../../components/Txt';
import { validateRegister, type RegisterValues } from '../../forms/auth-form';
import type { FieldErrors } from '../../forms/field-errors';
import { session } from '../../state/app-state';
import { useTheme } from '../../theme/theme';

export default function RegisterScreen() {
  const t = useTheme();
  const [values, setValues] = useState<RegisterValues>({ name: '', email: '', password: '', confirm: '' });
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // "Next" on the keyboard moves down the form, like the login screen.
  const emailRef = useRef<TextInput>(null);
  const passwordRef = useRef<TextInput>(null);
  const confirmRef = useRef<TextInput>(null);
  const set = (k: keyof RegisterValues) => (v: string) => {
    setValues((s) => ({ ...s, [k]: v }));
    setFields((f) => {
      if (!(k in f)) return f;
      const { [k]: _gone, ...rest } = f;
      return rest;
    });
  };

  const submit = async () => {
    const v = validateRegister(values);
    if (!v.ok) {
      setFields(v.fields);
      return;
    }
    setFields({});
    setError(null);
    setBusy(true);
    try {
      await session.store.getState().register(v.value);
    } catch (e) {
      if (e instanceof ApiError) setFields(e.fields);
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Screen>
      <Txt variant="title">Create your account</Txt>
      <ErrorBanner error={error} />
      <Card>
        <TextField
          label="Name"
          value={values.name}
          onChangeText={set('name')}
          error={fields.name}
          autoComplete="name"
          returnKeyType="next"
          onSubmitEditing={() => emailRef.current?.focus()}
        />
        <TextField
          ref={emailRef}
          label="Email"
          value={values.email}
          onChangeText={set('email')}
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
          onChangeText={set('password')}
          error={fields.password}
          hint={`At least ${PASSWORD_MIN_LENGTH} characters`}
          secureTextEntry
          autoComplete="new-password"
          returnKeyType="next"
          onSubmitEditing={() => confirmRef.current?.focus()}
        />
        <TextField
          ref={confirmRef}
          label="Confirm password"
          value={values.confirm}
          onChangeText={set('confirm')}
          error={fields.confirm}
          secureTextEntry
          autoComplete="new-password"
          returnKeyType="go"
          onSubmitEditing={() => void submit()}
        />
        <Button title="Create account" onPress={() => void submit()} busy={busy} testID="register-submit" />
      </Card>
      <Link href="/login" accessibilityRole="link" accessibilityLabel="Back to sign in" style={{ color: t.primary, fontSize: 16, padding: 8 }}>
        Already have an account? Sign in
      </Link>
      <ServerUrlField compact />
    </Screen>
  );
}
