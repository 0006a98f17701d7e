import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AuthResponse, ErrorBody, LoginBody, LogoutBody, OkResponse, RefreshBody, RegisterBody, User } from '@ats/contracts';
import type { AuthService } from '../../services/auth-service';

export function authRoutes(app: FastifyInstance, auth: AuthService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const errors = { 400: ErrorBody, 401: ErrorBody, 409: ErrorBody, 429: ErrorBody };

  r.post(
    '/auth/register',
    { schema: { tags: ['auth'], summary: 'Create an account', body: RegisterBody, response: { 201: AuthResponse, ...errors } } },
    async (req, reply) => reply.code(201).send(await auth.register(req.body)),
  );

  r.post(
    '/auth/login',
    { schema: { tags: ['auth'], summary: 'Sign in', body: LoginBody, response: { 200: AuthResponse, ...errors } } },
    async (req) => auth.login(req.body, req.ip),
  );

  r.post(
    '/auth/refresh',
    { schema: { tags: ['auth'], summary: 'Rotate the refresh token', body: RefreshBody, response: { 200: AuthResponse, ...errors } } },
    async (req) => auth.refresh(req.body.refresh_token),
  );

  r.post(
    '/auth/logout',
    { schema: { tags: ['auth'], summary: 'Revoke the refresh token', body: LogoutBody, response: { 200: OkResponse, ...errors } } },
    async (req) => {
      await auth.logout(req.body.refresh_token);
      return { ok: true as const };
    },
  );

  r.get(
    '/auth/me',
    { preHandler: app.authenticate, schema: { tags: ['auth'], summary: 'The signed-in user', security: [{ bearer: [] }], response: { 200: User, 401: ErrorBody } } },
    async (req) => auth.me(req.userId),
  );
}
