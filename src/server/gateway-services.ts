import type { CapturePolicy } from '../capture/capture-policy.js';
import type { CaptureReader } from '../capture/capture-reader.js';
import type { DashboardSessions } from '../dashboard/dashboard-sessions.js';
import type { SubjectScope } from '../domain/limit-subject.js';
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
import type { LimitSettings } from '../domain/limits.js';
import type { Store } from '../store/store.js';
import type { UpstreamClient } from '../upstream/upstream-client.js';
import type { UsageWriter } from '../usage/usage-writer.js';
import type { Router } from '../routing/router.js';
import type { Tracing } from '../telemetry/tracing.js';
import type { CorsPolicy } from './cors-policy.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { GatewayLogger } from './logger.js';
import type { CacheRules } from '../cache/cache-rules.js';
import type { RetryPause } from './proxy/retry-pause.js';
import type { RunComparer } from '../analytics/compare-runs-thread.js';

/**
 * What the HTTP layer needs from the rest of the gateway; built at start, and again by a config reload
 * (server/reload/), which rebuilds the config-derived pieces and carries every stateful one over.
 * A request reads the current object once (`ServicesHolder.current`) and keeps it.
 */
export interface GatewayServices {
  logger: GatewayLogger;
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
  /** `cache.rules`, compiled; null when there are none. */
  cacheRules: CacheRules | null;
  budgetLedger: BudgetLedger;
  /** Prices on the request thread, only for calls that hold a budget reservation. */
  pricer: Pricer;
  /**
   * Names the price list `pricer` and the usage writer thread share: a new one with each pricing reload,
   * and never one an earlier run of the process used (it starts at the start time), so a usage row spooled
   * by an earlier run is never priced with the wrong list (it gets the current one).
   */
  pricingEpoch: number;
  costBound: CostBound;
  limitDefaults: Record<SubjectScope, LimitSettings>;
  registry: ProviderRegistry;
  credentials: ProviderCredentials;
  /** Short model names, the shipped defaults included (routing/default-aliases.ts): what /v1/models lists. */
  aliases: ReadonlyMap<string, string>;
  /** The same names pointing at real providers only, for callers with their own provider key. */
  aliasesWithoutStandIns: ReadonlyMap<string, string>;
  /** Model names to ordered targets, attempt outcomes to cooldowns and latency estimates. */
  router: Router;
  upstream: UpstreamClient;
  usageWriter: UsageWriter;
  /** Builds `GET /analytics/compare`'s reports in a worker thread, one at a time (analytics/compare-runs-thread.ts). */
  runComparer: RunComparer;
  /** Which calls are captured (issue 22 §2): group settings and defaults from the config, and the sampling draw. */
  capture: CapturePolicy;
  /** Stored captures, opened with the master key, for the admin API. */
  captures: CaptureReader;
  /** OpenTelemetry traces of model calls; null when telemetry is off, and then the request path does nothing for them. */
  tracing: Tracing | null;
  /** Browser origins allowed (`cors.origins`). */
  cors: CorsPolicy;
  /** Prometheus metrics and the per-target health windows of this instance (`/metrics`, `/admin/health/targets`). */
  metrics: GatewayMetrics;
  /** The clock of rate-limit windows, budget periods and retry-after (Date.now; tests pass one they move). */
  clock: () => number;
  /** The wait before retrying a target (a real timer; tests pass one that only records what was asked). */
  retryPause: RetryPause;
  /** False once shutdown has begun, so /readyz turns the load balancer away. */
  isReady(): boolean;
}
