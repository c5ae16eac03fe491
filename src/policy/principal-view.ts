import type { Logger } from '../server/logger.js';
import type { PrincipalKind, PrincipalRecord, PrincipalStore } from '../store/store.js';
import { ReloadingView } from '../support/reloading-view.js';

/** Users and teams in memory, for limits and team allow-lists on the request path. */
export class PrincipalView extends ReloadingView {
  readonly #store: PrincipalStore;
  readonly #logger: Logger;
  readonly #byKind: Record<PrincipalKind, Map<string, PrincipalRecord>> = { user: new Map(), team: new Map() };
  #latestChange = 0;

  constructor(store: PrincipalStore, logger: Logger) {
    super();
    this.#store = store;
    this.#logger = logger;
  }

  find(kind: PrincipalKind, name: string | null): PrincipalRecord | undefined {
    return name === null ? undefined : this.#byKind[kind].get(name);
  }

  override async reload(): Promise<void> {
    try {
      // Re-read a little before the last change seen, as the key view does.
      const since = Math.max(0, this.#latestChange - 2_000);
      for (const kind of ['user', 'team'] as const) {
        for (const principal of await this.#store.principalsChangedSince(kind, since)) {
          this.#byKind[kind].set(principal.name, principal);
          this.#latestChange = Math.max(this.#latestChange, principal.updatedAt);
        }
      }
    } catch (error) {
      this.#logger.error({ err: error }, 'reloading users and teams failed');
    }
  }
}
