import { randomUUID } from 'node:crypto';
import type { BrokerAccount, ConnectBrokerBody } from '@ats/contracts';
import { BrokerError, ConflictError, DomainError, NotFoundError } from '../domain/errors';
import type { Instrument } from '../domain/instrument';
import type { Broker, BrokerConnector, BrokerKind, BrokerSession, SessionState } from '../ports/broker';
import { userTopic, type Bus } from '../ports/bus';
import type { BrokerDirectory } from '../ports/broker-directory';
import type { BrokerAccountRecord, BrokerAccountStore } from '../ports/store';
import type { CredentialVault } from '../security/credential-vault';
import type { LoginState } from '../security/login-state';
import { withTimeout } from '../async/with-timeout';

/** What the vault keeps per broker account. */
interface Secret {
  credentials: Record<string, string>;
  session: BrokerSession | null;
}

export interface BrokerServiceDeps {
  accounts: BrokerAccountStore;
  connectors: ReadonlyMap<BrokerKind, BrokerConnector>;
  vault: CredentialVault;
  loginState: LoginState;
  bus: Bus;
  now: () => number;
  /** Is any RUNNING strategy using this account? (deleting it would orphan the strategy) */
  inUse: (userId: string, accountId: string) => Promise<boolean>;
  /** Called when a broker's first account connects, so its instrument master can load. */
  onConnected?: (broker: BrokerKind) => void;
}

const NOT_FOUND = () => new NotFoundError('BROKER_NOT_FOUND', 'Broker account not found');
const VALIDATE_TIMEOUT_MS = 5_000;
const FOR_ACCOUNT_REUSE_MS = 30_000;

/** An account's Broker being opened (`broker`) and, once it is, the Broker itself (`opened`). */
interface ForAccountEntry {
  userId: string;
  broker: Promise<Broker>;
  at: number;
  opened: Broker | null;
}
const UNREADABLE_SECRET = 'The stored credentials of this account cannot be read with this server\'s keys; remove it and connect again';

/**
 * Broker accounts: connecting (with a real validating call), redirect logins, live status,
 * removal, the daily token check with automatic re-login, and the open Broker for the engine.
 * Secrets are sealed in the vault bound to (user, account) and never leave this service.
 */
export class BrokerService implements BrokerDirectory {
  private readonly open = new Map<string, { token: string; broker: Broker }>();
  private readonly sourceChecks = new Map<string, { at: number; token: Broker }>();
  private readonly forAccountCache = new Map<string, ForAccountEntry>();
  /** Brokers that failed as a data source; a re-login opens a new Broker, which is not in here. */
  private readonly badSources = new WeakSet<Broker>();

  constructor(private readonly d: BrokerServiceDeps) {}

  async connect(userId: string, body: ConnectBrokerBody): Promise<BrokerAccount> {
    const connector = this.connector(body.broker);
    const credentials = stripEmpty(body.credentials as Record<string, string>);
    const id = randomUUID();
    const redirectOnly = !!connector.completeLogin && !credentials.access_token;
    let session: BrokerSession | null = null;
    if (!redirectOnly) session = await connector.login(credentials);
    const sealed = this.d.vault.sealJson({ credentials, session } satisfies Secret, aad(userId, id));
    const rec = await this.d.accounts.insert({
      id,
      userId,
      broker: body.broker,
      label: body.label ?? defaultLabel(body.broker, session),
      status: session ? 'CONNECTED' : 'TOKEN_EXPIRED',
      statusMessage: session ? null : 'Log in at the broker to finish connecting',
      sealedSecret: sealed.text,
      keyVersion: sealed.keyVersion,
      tokenExpiresAt: session?.expiresAt ? new Date(session.expiresAt) : null,
      lastCheckedAt: new Date(this.d.now()),
      accountRef: session?.accountRef ?? null,
    });
    if (session) this.d.onConnected?.(body.broker);
    return this.dto(rec);
  }

  /** Every account of the user, each validated live against its broker. */
  async status(userId: string): Promise<BrokerAccount[]> {
    const list = await this.d.accounts.list(userId);
    const checked = await Promise.all(list.map((a) => this.check(a)));
    return checked.map((a) => this.dto(a));
  }

  async get(userId: string, id: string): Promise<BrokerAccountRecord> {
    const a = await this.d.accounts.get(userId, id);
    if (!a) throw NOT_FOUND();
    return a;
  }

  async remove(userId: string, id: string): Promise<void> {
    await this.get(userId, id);
    if (await this.d.inUse(userId, id)) {
      throw new ConflictError('BROKER_IN_USE', 'A running strategy uses this broker account; stop it first');
    }
    await this.d.accounts.softDelete(userId, id);
    await this.closeOpen(id);
  }

  async loginUrl(userId: string, id: string): Promise<{ url: string; state: string }> {
    const a = await this.get(userId, id);
    const connector = this.connector(a.broker as BrokerKind);
    if (!connector.loginUrl) {
      throw new DomainError('unprocessable', 'BROKER_NO_REDIRECT_LOGIN', `${a.broker} logs in without a browser redirect`);
    }
    const state = this.d.loginState.issue(userId, id);
    const { credentials } = this.secret(a);
    return { url: connector.loginUrl(credentials, state), state };
  }

  /** The broker sent the user's browser back: exchange its one-time code for a session. */
  async completeLogin(broker: BrokerKind, params: Record<string, string>): Promise<BrokerAccount> {
    const who = params.state ? this.d.loginState.verify(params.state) : null;
    if (!who) throw new DomainError('validation', 'BROKER_LOGIN_STATE_INVALID', 'This login link has expired; start the broker login again', { state: 'invalid or expired' });
    const a = await this.get(who.userId, who.accountId);
    if (a.broker !== broker) throw NOT_FOUND();
    const connector = this.connector(broker);
    if (!connector.completeLogin) throw NOT_FOUND();
    const { credentials } = this.secret(a);
    const session = await connector.completeLogin(credentials, params);
    const updated = await this.saveSession(a, credentials, session);
    this.d.onConnected?.(broker);
    return this.dto(updated);
  }

  /** The open Broker for an account, for the engine. Re-opened when the session changes. */
  async brokerFor(userId: string, id: string): Promise<Broker> {
    const a = await this.get(userId, id);
    return this.brokerOf(a);
  }

  /**
   * The pre-open check: every account is validated; an expired session logs in again by itself
   * where the broker allows it (Angel One, Dhan TOTP), otherwise the account is marked
   * TOKEN_EXPIRED and the user is told.
   */
  async dailyTokenCheck(): Promise<{ checked: number; renewed: number; expired: number }> {
    const all = await this.d.accounts.listAll();
    let renewed = 0;
    let expired = 0;
    for (const a of all) {
      const after = await this.check(a, true);
      if (after.status === 'CONNECTED' && after.sealedSecret !== a.sealedSecret) renewed += 1;
      if (after.status === 'TOKEN_EXPIRED') {
        expired += 1;
        await this.d.bus.publish(userTopic(a.userId), {
          type: 'alert',
          alert: { code: 'BROKER_TOKEN_EXPIRED', broker_id: a.id, broker: a.broker, message: `${a.label}: the broker session has expired; log in again before the market opens` },
          ts: this.d.now(),
        });
      }
    }
    return { checked: all.length, renewed, expired };
  }

  /**
   * The engine's way in, on the hot path of every buy: the opened Broker is reused for a while
   * instead of reading and decrypting the account row each time. A re-login, removal or key
   * change closes the cached Broker (closeOpen), so a stale session is never handed out for long.
   */
  async forAccount(userId: string, id: string): Promise<Broker> {
    const hit = this.forAccountCache.get(id);
    if (hit && hit.userId === userId && this.d.now() - hit.at < FOR_ACCOUNT_REUSE_MS) {
      // Callers that arrive while the account is still being opened share that one read.
      const broker = await hit.broker.catch(() => null);
      if (broker && this.open.get(id)?.broker === broker) return broker;
    }
    const opening = this.brokerFor(userId, id);
    const entry: ForAccountEntry = { userId, broker: opening, at: this.d.now(), opened: null };
    this.forAccountCache.set(id, entry);
    opening.then(
      (b) => {
        entry.opened = b;
      },
      () => {
        if (this.forAccountCache.get(id) === entry) this.forAccountCache.delete(id);
      },
    );
    return opening;
  }

  openNow(userId: string, id: string): Broker | null {
    const hit = this.forAccountCache.get(id);
    if (!hit?.opened || hit.userId !== userId || this.d.now() - hit.at >= FOR_ACCOUNT_REUSE_MS) return null;
    // The same test as forAccount's: a re-login or removal since has closed that Broker.
    return this.open.get(id)?.broker === hit.opened ? hit.opened : null;
  }

  async kindOf(userId: string, id: string): Promise<BrokerKind> {
    return (await this.get(userId, id)).broker as BrokerKind;
  }

  dataSourceFailed(_kind: BrokerKind, source: Broker): void {
    for (const [id, c] of this.sourceChecks) if (c.token === source) this.sourceChecks.set(id, { at: 0, token: c.token });
    this.badSources.add(source);
  }

  /**
   * Freshest connected account first, and only one whose session the broker still honours: a
   * platform-wide price feed must not hang on one user's expired token.
   */
  async dataSource(kind: BrokerKind): Promise<Broker | null> {
    const candidates = (await this.d.accounts.listAll())
      .filter((a) => a.broker === kind && a.status === 'CONNECTED')
      .sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
    for (const a of candidates) {
      try {
        const broker = this.brokerOf(a);
        if (this.badSources.has(broker)) continue;
        const checked = this.sourceChecks.get(a.id);
        if (checked && checked.at > this.d.now() - 30_000 && checked.token === broker) return broker;
        const s = await withTimeout(broker.validateSession(), VALIDATE_TIMEOUT_MS, 'broker');
        if (s.state === 'CONNECTED') {
          this.sourceChecks.set(a.id, { at: this.d.now(), token: broker });
          return broker;
        }
        await this.d.accounts.update(a.userId, a.id, { status: s.state, statusMessage: s.message, lastCheckedAt: new Date(this.d.now()) });
      } catch {
        // that account cannot serve right now; try the next one
      }
    }
    return null;
  }

  /**
   * A broker's instrument master, loaded through any connected account of that broker (the master
   * is the same for every account). Null when nobody has connected that broker yet.
   */
  async instrumentsOf(kind: BrokerKind): Promise<Instrument[] | null> {
    const source = await this.dataSource(kind);
    return source ? source.instruments() : null;
  }

  async close(): Promise<void> {
    await Promise.all([...this.open.values()].map((o) => o.broker.close().catch(() => undefined)));
    this.open.clear();
  }

  private async check(a: BrokerAccountRecord, autoLogin = true): Promise<BrokerAccountRecord> {
    const connector = this.d.connectors.get(a.broker as BrokerKind);
    let secret: Secret;
    try {
      secret = this.secret(a);
    } catch {
      // One unreadable record (a key retired too early, a damaged row) must not take the user's
      // whole list down: that account shows as needing a reconnect, the others carry on.
      return (await this.d.accounts.update(a.userId, a.id, { status: 'ERROR', statusMessage: UNREADABLE_SECRET, lastCheckedAt: new Date(this.d.now()) })) ?? a;
    }
    if (!connector) return (await this.d.accounts.update(a.userId, a.id, { status: 'ERROR', statusMessage: `${a.broker} is not available on this server`, lastCheckedAt: new Date(this.d.now()) })) ?? a;
    let state: SessionState;
    if (!secret.session) state = { state: 'TOKEN_EXPIRED', at: null, message: a.statusMessage ?? 'Log in at the broker to finish connecting' };
    else {
      try {
        state = await withTimeout((await this.brokerOf(a)).validateSession(), VALIDATE_TIMEOUT_MS, 'broker');
      } catch (e) {
        state = { state: 'ERROR', message: e instanceof Error ? e.message : String(e) };
      }
    }
    if (state.state === 'TOKEN_EXPIRED' && autoLogin && connector.canAutoLogin(secret.credentials)) {
      try {
        const session = await connector.login(secret.credentials);
        return await this.saveSession(a, secret.credentials, session);
      } catch (e) {
        state = { state: 'TOKEN_EXPIRED', at: null, message: `Automatic login failed: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
    const patch =
      state.state === 'CONNECTED'
        ? { status: 'CONNECTED' as const, statusMessage: null, ...(state.expiresAt ? { tokenExpiresAt: new Date(state.expiresAt) } : {}) }
        : { status: state.state, statusMessage: state.message };
    return (await this.d.accounts.update(a.userId, a.id, { ...patch, lastCheckedAt: new Date(this.d.now()) })) ?? a;
  }

  private async saveSession(a: BrokerAccountRecord, credentials: Record<string, string>, session: BrokerSession): Promise<BrokerAccountRecord> {
    const sealed = this.d.vault.sealJson({ credentials, session } satisfies Secret, aad(a.userId, a.id));
    await this.closeOpen(a.id);
    const updated = await this.d.accounts.update(a.userId, a.id, {
      status: 'CONNECTED',
      statusMessage: null,
      sealedSecret: sealed.text,
      keyVersion: sealed.keyVersion,
      tokenExpiresAt: session.expiresAt ? new Date(session.expiresAt) : null,
      lastCheckedAt: new Date(this.d.now()),
      accountRef: session.accountRef ?? a.accountRef,
    });
    if (!updated) throw NOT_FOUND();
    return updated;
  }

  private brokerOf(a: BrokerAccountRecord): Broker {
    const { credentials, session } = this.secret(a);
    if (!session) throw new BrokerError('BROKER_TOKEN_EXPIRED', 'Log in at the broker first');
    const cached = this.open.get(a.id);
    if (cached && cached.token === session.accessToken) return cached.broker;
    if (cached) void cached.broker.close().catch(() => undefined);
    const broker = this.connector(a.broker as BrokerKind).open(credentials, session);
    this.open.set(a.id, { token: session.accessToken, broker });
    return broker;
  }

  private async closeOpen(id: string): Promise<void> {
    const o = this.open.get(id);
    this.open.delete(id);
    this.forAccountCache.delete(id);
    await o?.broker.close().catch(() => undefined);
  }

  private secret(a: BrokerAccountRecord): Secret {
    const s = this.d.vault.openJson<Secret>(a.sealedSecret, aad(a.userId, a.id));
    if (this.d.vault.isStale(JSON.parse(a.sealedSecret))) {
      // Key rotation: re-seal under the current key the next time the record is touched.
      const re = this.d.vault.sealJson(s, aad(a.userId, a.id));
      a.sealedSecret = re.text;
      a.keyVersion = re.keyVersion;
      void this.d.accounts.update(a.userId, a.id, { sealedSecret: re.text, keyVersion: re.keyVersion }).catch(() => undefined);
    }
    return s;
  }

  private connector(kind: BrokerKind): BrokerConnector {
    const c = this.d.connectors.get(kind);
    if (!c) throw new DomainError('unprocessable', 'BROKER_UNSUPPORTED', `${kind} is not available on this server`, { broker: 'Not available on this server' });
    return c;
  }

  dto(a: BrokerAccountRecord): BrokerAccount {
    const connector = this.d.connectors.get(a.broker as BrokerKind);
    let creds: Record<string, string> = {};
    let hasSession = false;
    try {
      const s = this.secret(a);
      creds = s.credentials;
      hasSession = !!s.session;
    } catch {
      // A record that no longer opens shows as ERROR below rather than failing the whole list.
    }
    return {
      id: a.id,
      broker: a.broker as BrokerKind,
      label: a.label,
      status: a.status,
      status_message: a.statusMessage,
      token_expires_at: a.tokenExpiresAt?.toISOString() ?? null,
      last_checked_at: a.lastCheckedAt?.toISOString() ?? null,
      account_ref: a.accountRef,
      login_required: a.status !== 'CONNECTED' && !!connector?.loginUrl && !hasSession,
      can_auto_login: connector ? connector.canAutoLogin(creds) : false,
      created_at: a.createdAt.toISOString(),
    };
  }
}

function aad(userId: string, accountId: string): string {
  return `${userId}:${accountId}`;
}

function stripEmpty(c: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => typeof v === 'string' && v.length > 0));
}

function defaultLabel(broker: BrokerKind, s: BrokerSession | null): string {
  const names: Record<BrokerKind, string> = { zerodha: 'Zerodha', dhan: 'Dhan', fyers: 'Fyers', angelone: 'Angel One', paper: 'Paper' };
  return s?.accountRef ? `${names[broker]} ${s.accountRef}` : names[broker];
}
