import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { UnauthenticatedError } from '../domain/errors';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

/** Short-lived HS256 access tokens. Time comes from the injected clock, so expiry is testable without sleeping. */
export class AccessTokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly now: () => number,
    private readonly ttlSeconds = ACCESS_TOKEN_TTL_SECONDS,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async issue(userId: string): Promise<{ token: string; expiresIn: number }> {
    const iat = Math.floor(this.now() / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .setJti(randomUUID())
      .sign(this.key);
    return { token, expiresIn: this.ttlSeconds };
  }

  /** Returns the user id. Throws UnauthenticatedError TOKEN_EXPIRED or UNAUTHENTICATED. */
  async verify(token: string): Promise<string> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        currentDate: new Date(this.now()),
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      });
      return payload.sub as string;
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw new UnauthenticatedError('TOKEN_EXPIRED', 'Your session has expired; sign in again');
      throw new UnauthenticatedError('UNAUTHENTICATED', 'Invalid access token');
    }
  }
}
