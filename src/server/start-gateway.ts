import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { CacheRules } from '../cache/cache-rules.js';
import { CapturePolicy } from '../capture/capture-policy.js';
import { CaptureReader } from '../capture/capture-reader.js';
import type { SluiceConfig } from '../config/config-schema.js';
import { CompareRunsThread } from '../analytics/compare-runs-thread.js';
import { GatewayError } from '../errors/gateway-error.js';
import { loadMasterKey, SecretBox } from '../keys/secret-box.js';
import type { FakeUpstream } from '../mock/fake-upstream.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { ProviderCredentials } from '../providers/provider-credentials.js';
import { buildProviderRegistry } from '../providers/provider-registry.js';
import { openStore, storeLocationOf } from '../store/open-store.js';
import { StoreHealth } from '../store/store-health.js';
import { RequestLog, type RequestLogStream } from '../telemetry/request-log.js';
import { UpstreamClient } from '../upstream/upstream-client.js';
import { CostBound } from '../usage/cost-bound.js';
import { Pricer } from '../usage/pricing.js';
import { sluiceApiVersions, type ApiVersionRegistry } from './api-version/api-versions.js';
import { buildApp } from './build-app.js';
import { ConnectionDrain, type DrainOptions } from './connection-drain.js';
import { corsPolicyFor } from './cors-policy.js';
import type { GatewayServices } from './gateway-services.js';
import { createLogger, type GatewayLogger } from './logger.js';
import { ConfigReloader, type ReloadOutcome } from './reload/config-reloader.js';
import { gatewayParts, pricingProviderIdsOf } from './reload/gateway-parts.js';
import type { GatewayResources, ReloadablePart } from './reload/reloadable-part.js';
import { ServicesHolder } from './reload/services-holder.js';
import { createSharedState } from './shared-state.js';
import { buildGatewayRouting } from './startup/gateway-routing.js';
import { startIdentityViews } from './startup/identity-views.js';
import { MockUpstreamHost } from './startup/mock-upstream-host.js';
import { startTracing } from './startup/start-tracing.js';
import { startUsagePipeline } from './startup/usage-pipeline.js';
import { pauseUnlessAborted, type RetryPause } from './proxy/retry-pause.js';

export interface StartGatewayOptions {
  config: SluiceConfig;
  env?: NodeJS.ProcessEnv;
  logger?: GatewayLogger;
  /** Issue an admin key when the store has none yet and SLUICE_ADMIN_KEY is unset (the first `sluice serve` at a terminal). */
  issueFirstKey?: boolean;
  /** Store SLUICE_ADMIN_KEY and SLUICE_METRICS_KEY, hash only (keys/keys-from-environment.ts); `sluice serve` does. */
  keysFromEnvironment?: boolean;
  /** The clock of in-process rate-limit windows and cache expiry; tests pass one they can move. Date.now by default. */
  clock?: () => number;
  /** The wait before retrying a target; a real timer by default, so tests of retry-after need not sleep. */
  retryPause?: RetryPause;
  /** The draw capture sampling compares with (`Math.random`); tests pass one that says which calls are sampled. */
  random?: () => number;
  /**
   * Reads the config again for a reload (`sluice serve`: the same file and environment). Without it the
   * gateway cannot reload, and `POST /admin/reload` answers 409.
   */
  readConfig?: () => Promise<SluiceConfig>;
  /** The parts a reload rebuilds (default: gatewayParts). */
  reloadableParts?: readonly ReloadablePart[];
  /** The versions of Sluice's own API this gateway serves (default: sluiceApiVersions); tests pass their own. */
  apiVersions?: ApiVersionRegistry;
  /** Where one line per model call goes when `log.requests` is on (`sluice serve`: stderr); none without it. */
  requestLogStream?: RequestLogStream;
}

export interface RunningGateway {
  url: string;
  app: FastifyInstance;
  /** The services new requests get; a reload replaces them. */
  readonly services: GatewayServices;
  /**
   * Re-reads the config and applies it (what SIGHUP and `POST /admin/reload` do). Rejects with a GatewayError
   * `invalid_config` (the config stays as it was) or `reload_unavailable`.
   */
  reload(): Promise<ReloadOutcome>;
  dataDir: string;
  /** The token of the key issued on first run, printed once by the CLI. */
  firstKeyToken: string | undefined;
  /** That key's id: no secret, so the CLI reports it where logs go, to find the key again. */
  firstKeyId: string | undefined;
  /** The built-in mock upstream, when the mock provider is on. */
  mockUpstream: FakeUpstream | undefined;
  /**
   * Stops accepting, answers every request already received (late ones on open connections with a 503),
   * closes idle connections, flushes every queued usage row, closes the store.
   */
  close(options?: DrainOptions): Promise<void>;
}

/** Bounds each store query, so a connection gone silent fails its caller rather than hanging it. */
const storeQueryTimeoutMs = 30_000;

/**
 * Opens the store, loads keys, credentials and principals, starts the usage pipeline and the mock upstream
 * when the config enables it, builds the router and the services, and listens. Each phase lives in
 * `server/startup/`; this function orders them and knows the order of the stop.
 */
export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const { config } = options;
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger(config.logLevel);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });

  const storeLocation = storeLocationOf(config);
  const store = await openStore(storeLocation, { logger, queryTimeoutMs: storeQueryTimeoutMs });
  const storeHealth = new StoreHealth();
  const masterKey = await loadMasterKey({ env, dataDirectory: config.dataDir });
  const secretBox = new SecretBox(masterKey.key);
  const credentials = new ProviderCredentials(store, secretBox, logger, storeHealth);
  await credentials.start(5_000);

  const registry = buildProviderRegistry({ config, env, providersWithStoredKeys: credentials.storedProviders() });
  const mock = new MockUpstreamHost();
  if (registry.get('mock')) registry.setBaseUrl('mock', await mock.baseUrl());

  const identity = await startIdentityViews({
    config,
    store,
    storeHealth,
    env,
    logger,
    clock: options.clock,
    issueFirstKey: options.issueFirstKey === true,
    keysFromEnvironment: options.keysFromEnvironment === true,
  });
  const { keyView } = identity;
  const requestLog =
    options.requestLogStream === undefined
      ? undefined
      : new RequestLog({ stream: options.requestLogStream, enabled: config.log.requests, keyName: (id) => keyView.findById(id)?.name });

  // Unique to this run's price lists (see GatewayServices.pricingEpoch).
  const pricingEpoch = Date.now();
  // Before the writer, which hands it stored rows' costs; it reads the writer's queue only at scrape time.
  const metrics = new GatewayMetrics({
    readUsageQueue: () => {
      const { queuedRows, droppedRows } = usage.writer.backlog;
      return { queuedRows, droppedRows };
    },
    now: options.clock,
  });
  const usage = await startUsagePipeline({
    config,
    store,
    storeLocation,
    storeHealth,
    queryTimeoutMs: storeQueryTimeoutMs,
    logger,
    pricingProviderIds: pricingProviderIdsOf(registry),
    pricingEpoch,
    masterKey: masterKey.key,
    onRowsStored: (rows) => {
      metrics.recordStoredCosts(rows);
      requestLog?.write(rows);
    },
  });
  // Its thread starts on the first compare.
  const runComparer = new CompareRunsThread({ store: storeLocation, queryTimeoutMs: storeQueryTimeoutMs });
  const upstream = new UpstreamClient(config.upstream);
  const tracing = await startTracing(config.telemetry, env, logger);

  // Budgets read stored spend as the current price list counts it (`holder` exists by the first call).
  const sharedState = createSharedState(config, store, logger, options.clock, () => holder.current.pricer.preferBilled);
  const pricer = new Pricer(config.pricing.overrides, { preferBilled: config.pricing.preferBilled });
  const { aliases, aliasesWithoutStandIns, router } = await buildGatewayRouting({ config, registry, credentials, pricer, logger, sharedState, metrics });
  let ready = true;
  const initialServices: GatewayServices = {
    logger,
    store,
    storeHealth,
    keyView,
    dashboardSessions: identity.dashboardSessions,
    principals: identity.principals,
    limitCounters: sharedState.limitCounters,
    slotQueue: sharedState.slotQueue,
    responseCache: sharedState.responseCache,
    cachePartition: config.cache.partition,
    cacheRules: CacheRules.from(config.cache.rules),
    budgetLedger: sharedState.budgetLedger,
    pricer,
    pricingEpoch,
    costBound: new CostBound(config.pricing.overrides),
    limitDefaults: config.limits.defaults,
    registry,
    credentials,
    aliases,
    aliasesWithoutStandIns,
    router,
    upstream,
    usageWriter: usage.writer,
    runComparer,
    capture: new CapturePolicy(config.capture, config.groups, options.random),
    captures: new CaptureReader(store, secretBox),
    tracing,
    cors: corsPolicyFor(config.cors.origins),
    metrics,
    clock: options.clock ?? Date.now,
    retryPause: options.retryPause ?? pauseUnlessAborted,
    isReady: () => ready,
  };
  const holder = new ServicesHolder(initialServices);
  const drain = new ConnectionDrain(logger);
  const resources: GatewayResources = {
    env,
    logger,
    cooldowns: sharedState.cooldowns,
    enableCooldowns: () => sharedState.enableCooldowns(),
    mockUpstreamBaseUrl: () => mock.baseUrl(),
    startTracing: (settings) => startTracing(settings, env, logger),
    updateUsagePricing: (epoch, pricing, pricingProviderIds) => usage.sink.updatePricing({ pricingEpoch: epoch, pricing, pricingProviderIds }),
    updateCaptureRedaction: (redact) => usage.sink.updateRedaction({ redact }),
    setRequestLogging: (enabled) => {
      if (requestLog) requestLog.enabled = enabled;
    },
  };
  const readConfig = options.readConfig;
  const reloader = readConfig
    ? new ConfigReloader({
        holder,
        parts: options.reloadableParts ?? gatewayParts,
        initialConfig: config,
        readConfig,
        gateway: resources,
        whenRequestsInFlightEnd: () => drain.whenAnswersInFlightEnd(),
        logger,
      })
    : undefined;
  const reload = async (): Promise<ReloadOutcome> => {
    if (!reloader) throw new GatewayError('reload_unavailable', 'This gateway was started without a config file to re-read; restart it to change its config.');
    if (!ready) throw new GatewayError('shutting_down', 'The gateway is stopping; the config is not reloaded.');
    return reloader.reload();
  };
  const app = await buildApp(holder, { bodyLimit: config.server.bodyLimit, drain, reload, apiVersions: options.apiVersions ?? sluiceApiVersions });
  await app.listen({ host: config.server.host, port: config.server.port });

  let closing: Promise<void> | undefined;
  const close = (drainOptions?: DrainOptions): Promise<void> => {
    closing ??= (async () => {
      ready = false;
      await drain.drain(drainOptions);
      await app.close();
      await reloader?.close();
      // After the drain, so a compare a caller is waiting for is answered; before the store closes.
      await runComparer.close();
      identity.stop();
      credentials.stop();
      await usage.close();
      // After the usage flush, so the spans of the last calls (ended when their rows were queued) go out too.
      await holder.current.tracing?.shutdown();
      await upstream.close();
      await mock.close();
      await holder.current.router.close();
      await sharedState.close();
      await store.close();
    })();
    return closing;
  };

  return {
    url: listeningUrl(app, config.server),
    app,
    get services() {
      return holder.current;
    },
    reload,
    dataDir: config.dataDir,
    firstKeyToken: identity.firstKey?.token,
    firstKeyId: identity.firstKey?.id,
    get mockUpstream() {
      return mock.running;
    },
    close,
  };
}

/** The URL the app listens on (the port the OS chose when the config says 0; an IPv6 host in brackets). */
function listeningUrl(app: FastifyInstance, server: SluiceConfig['server']): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : server.port;
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  return `http://${host}:${port}`;
}
