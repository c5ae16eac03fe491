import type { DashboardSessions } from '../dashboard/dashboard-sessions.js';
import type { SubjectScope } from '../policy/admission.js';
import type { KeyView } from '../policy/key-view.js';
import type { CachePartition } from '../cache/cache-request.js';
import type { ResponseCache } from '../cache/response-cache.js';
import type { BudgetLedger } from '../policy/budget-ledger.js';
import type { LimitCounters } from '../policy/limit-counters.js';
import type { SlotQueue } from '../policy/slot-queue.js';
import type { CostBound } from '../usage/cost-bound.js';
import type { Pricer } from '../usage/pricing.js';
import type { PrincipalView } from '../policy/principal-view.js';
import type { ProviderCredentials } from '../providers/provider-credentials.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { StoreHealth } from '../store/store-health.js';
import type { LimitSettings, Store } from '../store/store.js';
import type { UpstreamClient } from '../upstream/upstream-client.js';
import type { UsageWriter } from '../usage/usage-writer.js';
import type { Router } from '../routing/router.js';
import type { Logger } from './logger.js';

/** What the HTTP layer needs from the rest of the gateway; built once at start. */
export interface GatewayServices {
  logger: Logger;
  store: Store;
  /** Whether the store answers; while it does not, requests are served from memory and /readyz says so. */
  storeHealth: StoreHealth;
  keyView: KeyView;
  /** Dashboard logins: a session cookie stands for a key on the operator endpoints. */
  dashboardSessions: DashboardSessions;
  principals: PrincipalView;
  limitCounters: LimitCounters;
  /** Requests waiting for a concurrency slot of a subject with `queueMs`. */
  slotQueue: SlotQueue;
  responseCache: ResponseCache;
  cachePartition: CachePartition;
  budgetLedger: BudgetLedger;
  /** Prices on the request thread, only for calls that hold a budget reservation. */
  pricer: Pricer;
  costBound: CostBound;
  limitDefaults: Record<SubjectScope, LimitSettings>;
  registry: ProviderRegistry;
  credentials: ProviderCredentials;
  aliases: ReadonlyMap<string, string>;
  /** Model names to ordered targets, attempt outcomes to cooldowns and latency estimates. */
  router: Router;
  upstream: UpstreamClient;
  usageWriter: UsageWriter;
  /** The clock of rate-limit windows, budget periods and retry-after (Date.now; tests pass one they move). */
  clock: () => number;
  /** False once shutdown has begun, so /readyz turns the load balancer away. */
  isReady(): boolean;
}
