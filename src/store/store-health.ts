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

  reportFailure(probe: StoreProbe): void {
    if (!this.#failingSince.has(probe)) this.#failingSince.set(probe, Date.now());
  }

  reportSuccess(probe: StoreProbe): void {
    this.#failingSince.delete(probe);
  }

  get available(): boolean {
    return this.#failingSince.size === 0;
  }

  /** Epoch ms of the earliest failure still unresolved; undefined while the store answers. */
  get unavailableSince(): number | undefined {
    return this.#failingSince.size === 0 ? undefined : Math.min(...this.#failingSince.values());
  }
}
