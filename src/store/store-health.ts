/** The parts of the gateway that find out, each on its own schedule, whether the store answers. */
export type StoreProbe = 'keys' | 'principals' | 'provider-keys' | 'usage';

/**
 * Whether the store answered the last call of each part that uses it in the background (the key, user and
 * provider-key reloads, the usage writes). One failing part is enough to call the store degraded: /readyz
 * says so, while requests keep being served from memory. Logging stays with each part, which knows what
 * the failure means for it.
 */
export class StoreHealth {
  readonly #failingSince = new Map<StoreProbe, number>();
  readonly #retries = new Map<StoreProbe, () => void>();

  reportFailure(probe: StoreProbe): void {
    if (!this.#failingSince.has(probe)) this.#failingSince.set(probe, Date.now());
  }

  reportSuccess(probe: StoreProbe): void {
    if (!this.#failingSince.delete(probe)) return;
    // The store is back: parts that check rarely (provider keys every 5 s, usage writes after a backoff)
    // check now, so the gateway is whole again, and ready, within one key reload of the store's return.
    for (const [other, retry] of this.#retries) if (this.#failingSince.has(other)) retry();
  }

  /** `retry` runs when another part finds the store back while this one still counts as failing. */
  retryWhenBack(probe: StoreProbe, retry: () => void): void {
    this.#retries.set(probe, retry);
  }

  get available(): boolean {
    return this.#failingSince.size === 0;
  }

  /** Epoch ms of the earliest failure still unresolved; undefined while the store answers. */
  get unavailableSince(): number | undefined {
    return this.#failingSince.size === 0 ? undefined : Math.min(...this.#failingSince.values());
  }
}
