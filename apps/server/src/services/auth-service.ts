import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuthResponse, LoginBody, RegisterBody, User } from '@ats/contracts';
import { NotFoundError, RateLimitedError, UnauthenticatedError, ValidationError } from '../domain/errors';
import type { RuntimeState } from '../ports/runtime-state';
import type { RefreshTokenStore, UserRecord, UserStore } from '../ports/store';
import type { AccessTokens } from '../security/access-tokens';
import { isCommonPassword } from '../security/common-passwords';
import type { PasswordHasher } from '../security/password-hasher';

const REFRESH_TTL_MS = 30 * 24 * 3600 * 1000;
const LOGIN_WINDOW_MS = 60_000;
const LOGIN_MAX_FAILURES = 5;
/** The same words for an unknown email and a wrong password: never confirm that an account exists. */
const BAD_CREDENTIALS = 'Email or password is incorrect';

export interface AuthDeps {
  users: UserStore;
  refreshTokens: RefreshTokenStore;
  hasher: PasswordHasher;
  accessTokens: AccessTokens;
  runtime: RuntimeState;
  now: () => number;
}

function hashToken(t: string): string {
  return createHash('sha256').update(t).digest('hex');
}

export function toUserDto(u: UserRecord): User {
  return { id: u.id, email: u.email, name: u.name, created_at: u.createdAt.toISOString() };
}

export class AuthService {
  constructor(private readonly d: AuthDeps) {}

  async register(body: RegisterBody): Promise<AuthResponse> {
    if (isCommonPassword(body.password)) {
      throw new ValidationError({ password: 'This password is too common; choose one that is harder to guess' });
    }
    const user = await this.d.users.create({
      id: randomUUID(),
      email: body.email,
      name: body.name,
      passwordHash: await this.d.hasher.hash(body.password),
    });
    return this.issue(user, randomUUID());
  }

  /**
   * Login attempts are counted before any password is checked, with one atomic increment per key,
   * so a parallel burst cannot all pass a check made before any of them is counted: the sixth
   * attempt inside the window is refused without running argon2. A success clears the email's
   * count; per IP, successes are counted apart and subtracted, so only failures (and refused
   * attempts) weigh against an address that many people share.
   */
  async login(body: LoginBody, ip: string): Promise<AuthResponse> {
    const ipKey = `login-attempt:ip:${ip}`;
    const ipOkKey = `login-ok:ip:${ip}`;
    const emailKey = `login-attempt:email:${body.email}`;
    const rt = this.d.runtime;
    const [byIp, byEmail, ipOk] = await Promise.all([rt.hit(ipKey, LOGIN_WINDOW_MS), rt.hit(emailKey, LOGIN_WINDOW_MS), rt.peek(ipOkKey)]);
    let ipSucceeded = ipOk.count;
    if (byIp.count === 1) {
      // A new window for this IP: successes of the last one no longer offset anything.
      await rt.reset(ipOkKey);
      ipSucceeded = 0;
    }
    const over = [...(byIp.count - ipSucceeded > LOGIN_MAX_FAILURES ? [byIp] : []), ...(byEmail.count > LOGIN_MAX_FAILURES ? [byEmail] : [])];
    if (over.length) {
      const waitMs = Math.max(...over.map((w) => w.resetInMs));
      throw new RateLimitedError('Too many failed sign-in attempts; try again shortly', Math.max(1, Math.ceil(waitMs / 1000)));
    }
    const user = await this.d.users.byEmail(body.email);
    const ok = user ? await this.d.hasher.verify(user.passwordHash, body.password) : (await this.d.hasher.burn(body.password), false);
    if (!user || !ok) throw new UnauthenticatedError('INVALID_CREDENTIALS', BAD_CREDENTIALS);
    await Promise.all([rt.reset(emailKey), rt.hit(ipOkKey, LOGIN_WINDOW_MS)]);
    return this.issue(user, randomUUID());
  }

  /**
   * Rotates a refresh token. A token that was already rotated is being replayed (stolen, or a
   * client bug): the whole family is revoked, which logs out every session descended from it.
   */
  async refresh(token: string): Promise<AuthResponse> {
    const rec = await this.d.refreshTokens.byHash(hashToken(token));
    const now = new Date(this.d.now());
    if (!rec) throw new UnauthenticatedError('REFRESH_TOKEN_INVALID', 'Invalid refresh token');
    if (rec.revokedAt) {
      await this.d.refreshTokens.revokeFamily(rec.familyId, now);
      throw new UnauthenticatedError('REFRESH_TOKEN_REUSED', 'This refresh token was already used; sign in again');
    }
    if (rec.expiresAt.getTime() <= now.getTime()) throw new UnauthenticatedError('REFRESH_TOKEN_INVALID', 'Refresh token has expired; sign in again');
    const user = await this.d.users.byId(rec.userId);
    if (!user) throw new UnauthenticatedError('REFRESH_TOKEN_INVALID', 'Invalid refresh token');
    const nextId = randomUUID();
    if (!(await this.d.refreshTokens.rotate(rec.id, nextId, now))) {
      // Lost a race with a concurrent refresh of the same token: that is a replay too.
      await this.d.refreshTokens.revokeFamily(rec.familyId, now);
      throw new UnauthenticatedError('REFRESH_TOKEN_REUSED', 'This refresh token was already used; sign in again');
    }
    return this.issue(user, rec.familyId, nextId);
  }

  async logout(token: string): Promise<void> {
    const rec = await this.d.refreshTokens.byHash(hashToken(token));
    if (rec) await this.d.refreshTokens.revokeFamily(rec.familyId, new Date(this.d.now()));
  }

  async me(userId: string): Promise<User> {
    const u = await this.d.users.byId(userId);
    if (!u) throw new NotFoundError('NOT_FOUND', 'User not found');
    return toUserDto(u);
  }

  private async issue(user: UserRecord, familyId: string, id = randomUUID()): Promise<AuthResponse> {
    const refresh = randomBytes(32).toString('base64url');
    await this.d.refreshTokens.insert({
      id,
      userId: user.id,
      familyId,
      tokenHash: hashToken(refresh),
      expiresAt: new Date(this.d.now() + REFRESH_TTL_MS),
    });
    const access = await this.d.accessTokens.issue(user.id);
    return {
      user: toUserDto(user),
      access_token: access.token,
      refresh_token: refresh,
      token_type: 'bearer',
      expires_in: access.expiresIn,
    };
  }
}
