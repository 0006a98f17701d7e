import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { UnauthenticatedError } from '../domain/errors';
import type { AccessTokens } from '../security/access-tokens';

declare module 'fastify' {
  interface FastifyRequest {
    userId: string;
  }
  interface FastifyInstance {
    authenticate: (req: FastifyRequest) => Promise<void>;
  }
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m ? (m[1] as string) : null;
}

/** `preHandler: app.authenticate` on a route makes it require a valid access token and sets `req.userId`. */
export const authPlugin = fp(async (app: FastifyInstance, opts: { accessTokens: AccessTokens }) => {
  app.decorateRequest('userId', '');
  app.decorate('authenticate', async (req: FastifyRequest) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) throw new UnauthenticatedError('UNAUTHENTICATED', 'Sign in to continue');
    req.userId = await opts.accessTokens.verify(token);
    req.log = req.log.child({ userId: req.userId });
  });
});
