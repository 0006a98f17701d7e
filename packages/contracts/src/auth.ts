import { z } from 'zod';

export const PASSWORD_MIN_LENGTH = 8;

export const Email = z
  .string({ error: 'Email is required' })
  .trim()
  .min(1, 'Email is required')
  .max(254, 'Email is too long')
  .email('Enter a valid email address')
  .transform((e) => e.toLowerCase());

export const Password = z
  .string({ error: 'Password is required' })
  .min(PASSWORD_MIN_LENGTH, `Password must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(256, 'Password is too long');

export const RegisterBody = z.object({
  email: Email,
  password: Password,
  name: z.string({ error: 'Name is required' }).trim().min(1, 'Name is required').max(100, 'Name is too long'),
});
export type RegisterBody = z.infer<typeof RegisterBody>;

export const LoginBody = z.object({
  email: Email,
  password: z.string({ error: 'Password is required' }).min(1, 'Password is required').max(256),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const RefreshBody = z.object({
  refresh_token: z.string({ error: 'Refresh token is required' }).min(1, 'Refresh token is required').max(512),
});
export type RefreshBody = z.infer<typeof RefreshBody>;

export const LogoutBody = RefreshBody;

export const User = z.object({
  id: z.string().uuid(),
  email: z.string(),
  name: z.string(),
  created_at: z.string(),
});
export type User = z.infer<typeof User>;

export const TokenPair = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int(),
});
export type TokenPair = z.infer<typeof TokenPair>;

export const AuthResponse = TokenPair.extend({ user: User });
export type AuthResponse = z.infer<typeof AuthResponse>;

export const OkResponse = z.object({ ok: z.literal(true) });
