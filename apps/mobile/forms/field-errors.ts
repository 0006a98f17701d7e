import type { z } from 'zod';

export type FieldErrors = Record<string, string>;

/** zod issues keyed the way the server keys `error.fields` ("stop_loss", "credentials.api_key"). */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.') || '_form';
    if (!(key in out)) out[key] = issue.message;
  }
  return out;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; fields: FieldErrors };
