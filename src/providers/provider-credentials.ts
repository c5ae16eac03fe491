import type { SecretBox } from '../keys/secret-box.js';
import type { Logger } from '../domain/logger.js';
import type { StoreHealth } from '../store/store-health.js';
import type { ProviderKeyStore } from '../store/store.js';
import type { ProviderEntry } from '../domain/provider-entry.js';
import { ReloadingView } from '../support/reloading-view.js';

/**
 * Provider keys for upstream calls: from config or environment first, else the encrypted store (kept
 * decrypted in memory only, reloaded periodically so `sluice providers set-key` takes effect live).
 */
export class ProviderCredentials extends ReloadingView {
  readonly #store: ProviderKeyStore;
  readonly #secretBox: SecretBox;
  readonly #logger: Logger;
  readonly #health: StoreHealth;
  #stored = new Map<string, string>();
  #failing = false;

  constructor(store: ProviderKeyStore, secretBox: SecretBox, logger: Logger, health: StoreHealth) {
    super();
    this.#store = store;
    this.#secretBox = secretBox;
    this.#logger = logger;
    this.#health = health;
    this.#health.retryWhenBack('provider-keys', () => void this.reload());
  }

  storedProviders(): ReadonlySet<string> {
    return new Set(this.#stored.keys());
  }

  /** Seals and stores a provider's key, then reloads so this instance uses it at once (others within 5 s). */
  async storeKey(provider: string, key: string): Promise<void> {
    await this.#store.setProviderKey(provider, this.#secretBox.encrypt(key, provider));
    await this.reload();
  }

  /** Deletes a provider's stored key; false when it had none. */
  async removeKey(provider: string): Promise<boolean> {
    const removed = await this.#store.deleteProviderKey(provider);
    await this.reload();
    return removed;
  }

  keyFor(provider: ProviderEntry): string | undefined {
    return provider.configuredKey ?? this.#stored.get(provider.name);
  }

  override async reload(): Promise<void> {
    try {
      const next = new Map<string, string>();
      for (const stored of await this.#store.listProviderKeys()) {
        try {
          next.set(stored.provider, this.#secretBox.decrypt(stored.sealedKey, stored.provider));
        } catch {
          this.#logger.error({ provider: stored.provider }, 'stored provider key cannot be decrypted with this master key');
        }
      }
      this.#stored = next;
      this.#health.reportSuccess('provider-keys');
      if (this.#failing) this.#logger.info('provider keys reload again');
      this.#failing = false;
    } catch (error) {
      // Keep the keys already decrypted in memory; the next tick retries. Logged once per outage.
      this.#health.reportFailure('provider-keys');
      if (!this.#failing) this.#logger.error({ err: error }, 'reloading provider keys failed; using the ones already in memory');
      this.#failing = true;
    }
  }
}
