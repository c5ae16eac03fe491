import type { SluiceConfig } from '../../config/config-schema.js';
import { DashboardSessions } from '../../dashboard/dashboard-sessions.js';
import { keysFromEnvironment } from '../../keys/keys-from-environment.js';
import { KeyView } from '../../policy/key-view.js';
import { PrincipalView } from '../../policy/principal-view.js';
import type { StoreHealth } from '../../store/store-health.js';
import type { Store } from '../../store/store.js';
import type { Logger } from '../../domain/logger.js';

/** Who may call: the in-memory views of keys and principals that every request reads, and dashboard logins. */
export interface IdentityViews {
  keyView: KeyView;
  principals: PrincipalView;
  dashboardSessions: DashboardSessions;
  /** The key issued on this first run (token printed once by the CLI, id for the logs), if one was. */
  firstKey: { token: string; id: string } | undefined;
  /** Stops the views' refresh timers and the session pruning. */
  stop(): void;
}

export interface IdentityViewsOptions {
  config: SluiceConfig;
  store: Store;
  storeHealth: StoreHealth;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  clock: (() => number) | undefined;
  /** Issue an admin key when the store has none yet and SLUICE_ADMIN_KEY is unset. */
  issueFirstKey: boolean;
  /** Store SLUICE_ADMIN_KEY and SLUICE_METRICS_KEY (hash only). */
  keysFromEnvironment: boolean;
}

/** Loads the views before the first request, after storing the keys the environment names. */
export async function startIdentityViews(options: IdentityViewsOptions): Promise<IdentityViews> {
  const { config, store, storeHealth, logger } = options;
  const keyView = new KeyView(store, logger, storeHealth);
  await keyView.start(config.keys.refreshIntervalMs);
  const principals = new PrincipalView(store, logger, storeHealth);
  await principals.start(config.keys.refreshIntervalMs);
  const dashboardSessions = new DashboardSessions({
    store,
    keyView,
    logger,
    lifetimeMs: config.dashboard.sessionHours * 3_600_000,
    clock: options.clock,
  });
  dashboardSessions.startPruning();
  let firstKey: IdentityViews['firstKey'];
  if (options.issueFirstKey || options.keysFromEnvironment) {
    firstKey = await keysFromEnvironment({ store, env: options.env, logger, issueFirstKey: options.issueFirstKey });
    // The keys just stored must authenticate from the first request on.
    await keyView.reload();
  }
  return {
    keyView,
    principals,
    dashboardSessions,
    firstKey,
    stop() {
      keyView.stop();
      dashboardSessions.stop();
      principals.stop();
    },
  };
}
