import type { Logger } from '../domain/logger.js';
import type { StoreHealth } from '../store/store-health.js';
import type { PrincipalKind, PrincipalRecord } from '../domain/principal-record.js';
import type { PrincipalStore } from '../store/store.js';
import { ReloadingView } from '../support/reloading-view.js';

/** Users and teams in memory, for limits and team allow-lists on the request path. */
export class PrincipalView extends ReloadingView {
  readonly #store: PrincipalStore;
  readonly #logger: Logger;
  readonly #byKind: Record<PrincipalKind, Map<string, PrincipalRecord>> = { user: new Map(), team: new Map() };
  readonly #health: StoreHealth;
  #latestChange = 0;
  #failing = false;

  constructor(store: PrincipalStore, logger: Logger, health: StoreHealth) {
    super();
    this.#store = store;
    this.#logger = logger;
    this.#health = health;
  }

  find(kind: PrincipalKind, name: string | null): PrincipalRecord | undefined {
    return name === null ? undefined : this.#byKind[kind].get(name);
  }

  override async reload(): Promise<void> {
    try {
      // Re-read a little before the last change seen, as the key view does. Both kinds are read before
      // either is applied, so a failure halfway never leaves the view with the newer half only.
      const since = Math.max(0, this.#latestChange - 2_000);
      const [users, teams] = [await this.#store.principalsChangedSince('user', since), await this.#store.principalsChangedSince('team', since)];
      for (const [kind, changed] of [['user', users], ['team', teams]] as const) {
        for (const principal of changed) {
          this.#byKind[kind].set(principal.name, principal);
          this.#latestChange = Math.max(this.#latestChange, principal.updatedAt);
        }
      }
      this.#health.reportSuccess('principals');
      if (this.#failing) this.#logger.info('users and teams reload again');
      this.#failing = false;
    } catch (error) {
      // Keep the last good view; the next tick retries. Logged once per outage, not per tick.
      this.#health.reportFailure('principals');
      if (!this.#failing) this.#logger.error({ err: error }, 'reloading users and teams failed; serving the ones already in memory');
      this.#failing = true;
    }
  }
}
