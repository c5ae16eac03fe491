import type { Logger } from '../domain/logger.js';
import type { StoreHealth } from '../store/store-health.js';
import type { KeyRecord } from '../domain/key-record.js';
import type { KeyStore } from '../store/store.js';
import { ReloadingView } from '../support/reloading-view.js';

/** Re-read a little before the last change seen, so clock skew between writers cannot hide a change. */
const changeOverlapMs = 2_000;
/** At most this often does an unknown key trigger an early reload (bounds the cost of bad keys). */
const minimumMissReloadIntervalMs = 250;

/**
 * The in-memory view of gateway keys that authentication reads, so no request waits on the database.
 * It reloads changed keys on an interval (revocations reach every instance within that interval) and,
 * rate-limited, when an unknown key is presented (a key just issued by the CLI works at once).
 */
export class KeyView extends ReloadingView {
  readonly #store: KeyStore;
  readonly #logger: Logger;
  readonly #health: StoreHealth;
  readonly #byHash = new Map<string, KeyRecord>();
  /** The same keys by id, for dashboard sessions (which remember the key's id, never its token). */
  readonly #byId = new Map<string, KeyRecord>();
  #latestChange = 0;
  #lastReload = 0;
  #reloading: Promise<void> | undefined;
  #missReload: Promise<void> | undefined;
  #failing = false;

  constructor(store: KeyStore, logger: Logger, health: StoreHealth) {
    super();
    this.#store = store;
    this.#logger = logger;
    this.#health = health;
  }

  /** The key with this hash, if known (revoked keys included, so the caller can be told). */
  find(hash: string): KeyRecord | undefined {
    return this.#byHash.get(hash);
  }

  /** The key with this id, if known (revoked keys included). */
  findById(id: string): KeyRecord | undefined {
    return this.#byId.get(id);
  }

  /**
   * Looks again in the store for a key not yet in memory. Reloads are spaced at least 250 ms apart and
   * shared by every waiting request, so a flood of bad keys costs at most four queries a second.
   */
  async findAfterReload(hash: string): Promise<KeyRecord | undefined> {
    this.#missReload ??= (async () => {
      const wait = this.#lastReload + minimumMissReloadIntervalMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await this.reload();
    })().finally(() => {
      this.#missReload = undefined;
    });
    await this.#missReload;
    return this.#byHash.get(hash);
  }

  override reload(): Promise<void> {
    this.#reloading ??= this.#reloadChanged().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  async #reloadChanged(): Promise<void> {
    this.#lastReload = Date.now();
    try {
      const changed = await this.#store.keysChangedSince(Math.max(0, this.#latestChange - changeOverlapMs));
      for (const key of changed) {
        this.#byHash.set(key.hash, key);
        this.#byId.set(key.id, key);
        if (key.updatedAt > this.#latestChange) this.#latestChange = key.updatedAt;
      }
      this.#health.reportSuccess('keys');
      if (this.#failing) this.#logger.info('gateway keys reload again');
      this.#failing = false;
    } catch (error) {
      // Keep serving from the last good view; the next tick retries. Logged once per outage, not per tick.
      this.#health.reportFailure('keys');
      if (!this.#failing) this.#logger.error({ err: error }, 'reloading gateway keys failed; serving the keys already in memory');
      this.#failing = true;
    }
  }
}
