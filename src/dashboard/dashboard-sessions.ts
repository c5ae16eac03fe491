import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../domain/logger.js';
import type { DashboardSession } from '../domain/dashboard-session.js';
import type { KeyRecord } from '../domain/key-record.js';
import type { SessionStore } from '../store/store.js';

/** How long a session lookup is remembered: a logout or expiry on another instance lands within this. */
const lookupCacheMs = 5_000;
/** Bounds the lookup cache (unknown tokens are cached too, so a flood of them cannot grow it without end). */
const maxCachedLookups = 10_000;
/** How often expired sessions are deleted from the store. */
const pruneIntervalMs = 10 * 60_000;

interface CachedLookup {
  session: DashboardSession | undefined;
  until: number;
}

/** Where a session's key is read (the gateway's `KeyView`), so a revoked key or a lost role ends its sessions. */
export interface KeysById {
  /** The key with this id, if known (revoked keys included). */
  findById(id: string): KeyRecord | undefined;
}

export interface DashboardSessionsOptions {
  store: SessionStore;
  keyView: KeysById;
  logger: Logger;
  /** How long a login lasts (`dashboard.sessionHours`). */
  lifetimeMs: number;
  clock?: () => number;
}

/**
 * Dashboard logins. A session is a random token held only by the browser (in an HttpOnly cookie); the store
 * keeps its SHA-256, the key id and the expiry, so every instance recognises it. Each lookup checks the key's
 * current state in the key view, so revoking a key (or taking its role away) ends its sessions at once.
 */
export class DashboardSessions {
  readonly #store: SessionStore;
  readonly #keyView: KeysById;
  readonly #logger: Logger;
  readonly #clock: () => number;
  readonly lifetimeMs: number;
  readonly #lookups = new Map<string, CachedLookup>();
  #pruneTimer: NodeJS.Timeout | undefined;

  constructor(options: DashboardSessionsOptions) {
    this.#store = options.store;
    this.#keyView = options.keyView;
    this.#logger = options.logger;
    this.#clock = options.clock ?? Date.now;
    this.lifetimeMs = options.lifetimeMs;
  }

  /** Starts a session for a key already checked by the caller; returns the token for the cookie. */
  async create(key: KeyRecord): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.#clock();
    const session: DashboardSession = { tokenHash: hashSessionToken(token), keyId: key.id, createdAt: now, expiresAt: now + this.lifetimeMs };
    await this.#store.createSession(session);
    this.#remember(session.tokenHash, session);
    return { token, expiresAt: session.expiresAt };
  }

  /**
   * The key a session token acts as, or undefined when the session is unknown, expired or logged out.
   * The key may be revoked: the caller refuses it with the usual revoked-key answer.
   */
  async keyFor(token: string): Promise<KeyRecord | undefined> {
    const tokenHash = hashSessionToken(token);
    const session = await this.#lookup(tokenHash);
    // The lookup matched by hash; the constant-time comparison is the actual check.
    if (!session || !hashesMatch(session.tokenHash, tokenHash) || session.expiresAt <= this.#clock()) return undefined;
    return this.#keyView.findById(session.keyId);
  }

  /** Logs a session out, here and (through the store) on every instance. */
  async end(token: string): Promise<void> {
    const tokenHash = hashSessionToken(token);
    this.#remember(tokenHash, undefined);
    await this.#store.deleteSession(tokenHash);
  }

  /** Deletes expired sessions now and then on an interval that never keeps the process alive. */
  startPruning(): void {
    const prune = async () => {
      try {
        await this.#store.deleteExpiredSessions(this.#clock());
      } catch (error) {
        this.#logger.warn({ err: error }, 'pruning expired dashboard sessions failed; will retry');
      }
    };
    void prune();
    this.#pruneTimer = setInterval(() => void prune(), pruneIntervalMs);
    this.#pruneTimer.unref();
  }

  stop(): void {
    if (this.#pruneTimer) clearInterval(this.#pruneTimer);
  }

  async #lookup(tokenHash: string): Promise<DashboardSession | undefined> {
    const cached = this.#lookups.get(tokenHash);
    if (cached && cached.until > this.#clock()) return cached.session;
    const session = await this.#store.findSession(tokenHash);
    this.#remember(tokenHash, session);
    return session;
  }

  #remember(tokenHash: string, session: DashboardSession | undefined): void {
    if (this.#lookups.size >= maxCachedLookups) this.#lookups.clear();
    this.#lookups.set(tokenHash, { session, until: this.#clock() + lookupCacheMs });
  }
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function hashesMatch(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
