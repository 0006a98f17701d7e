import { LoginBody, RegisterBody } from '@ats/contracts';
import { fieldErrorsOf, type Validated } from './field-errors';

export interface LoginValues {
  email: string;
  password: string;
}

export interface RegisterValues extends LoginValues {
  name: string;
  confirm: string;
}

/** Same schema the server validates with, so the inline message is the one the server would send. */
export function validateLogin(values: LoginValues): Validated<LoginBody> {
  const r = LoginBody.safeParse(values);
  return r.success ? { ok: true, value: r.data } : { ok: false, fields: fieldErrorsOf(r.error) };
}

export function validateRegister(values: RegisterValues): Validated<RegisterBody> {
  const r = RegisterBody.safeParse({ email: values.email, password: values.password, name: values.name });
  const fields = r.success ? {} : fieldErrorsOf(r.error);
  // Only the app knows about the confirmation box; the server never sees it.
  if (values.confirm !== values.password && !fields.password) fields.confirm = 'Passwords do not match';
  if (r.success && Object.keys(fields).length === 0) return { ok: true, value: r.data };
  return { ok: false, fields };
}
