import { mkdir } from 'node:fs/promises';
import { DashboardSessions } from '../dashboard/dashboard-sessions.js';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { SluiceConfig } from '../config/config-schema.js';
import { GatewayError } from '../errors/gateway-error.js';
import { keysFromEnvironment } from '../keys/keys-from-environment.js';
import { loadMasterKey, SecretBox } from '../keys/secret-box.js';
import { startFakeUpstream, type FakeUpstream } from '../mock/fake-upstream.js';
import { KeyView } from '../policy/key-view.js';
import { CostBound } from '../usage/cost-bound.js';
import { Pricer } from '../usage/pricing.js';
import { PrincipalView } from '../policy/principal-view.js';
import { ProviderCredentials } from '../providers/provider-credentials.js';
import { buildProviderRegistry } from '../providers/provider-registry.js';
import { openStore, storeLocationOf } from '../store/open-store.js';
import { StoreHealth } from '../store/store-health.js';
import { UpstreamClient } from '../upstream/upstream-client.js';
import { RollupCompactor } from '../store/rollups/rollup-compactor.js';
import { UsageRetention } from '../usage/usage-retention.js';
import { UsageSpool } from '../usage/usage-spool.js';
import { UsageWriter } from '../usage/usage-writer.js';
import { RequestLog, type RequestLogStream } from '../telemetry/request-log.js';
import { buildAliasTables } from '../routing/default-aliases.js';
import { createRouter } from '../routing/router.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { WorkerUsageSink } from '../usage/worker-usage-sink.js';
import { sluiceApiVersions, type ApiVersionRegistry } from './api-version/api-versions.js';
import { buildApp } from './build-app.js';
import { corsPolicyFor } from './cors-policy.js';
import { ConnectionDrain, type DrainOptions } from './connection-drain.js';
import type { GatewayServices } from './gateway-services.js';
import { createLogger, type Logger } from './logger.js';
import { ConfigReloader, type ReloadOutcome } from './reload/config-reloader.js';
import { gatewayParts, pricingProviderIdsOf } from './reload/gateway-parts.js';
import type { GatewayResources, ReloadablePart } from './reload/reloadable-part.js';
import { ServicesHolder } from './reload/services-holder.js';
import { createSharedState } from './shared-state.js';
import type { Tracing } from '../telemetry/tracing.js';
import { CacheRules } from '../cache/cache-rules.js';

export interface StartGatewayOptions {
  config: SluiceConfig;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Issue an admin key when the store has none yet and SLUICE_ADMIN_KEY is unset (the first `sluice serve` at a terminal). */
  issueFirstKey?: boolean;
  /** Store SLUICE_ADMIN_KEY and SLUICE_METRICS_KEY, hash only (keys/keys-from-environment.ts); `sluice serve` does. */
  keysFromEnvironment?: boolean;
  /** The clock of in-process rate-limit windows and cache expiry; tests pass one they can move. Date.now by default. */
  clock?: () => number;
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

/** How often usage past its retention is looked for (the first pass runs a minute after start). */
const retentionIntervalMs = 3_600_000;

/**
 * How often the rollup compactor looks for an hour whose minutes can be compacted (the usage writer leaves
 * that to it). Until it does, reports read those minutes: the answers are the same, a little slower.
 */
const rollupCompactionIntervalMs = 10_000;

/** Bounds each store query, so a connection gone silent fails its caller rather than hanging it. */
const storeQueryTimeoutMs = 30_000;

export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const { config } = options;
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger(config.logLevel);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });

  const storeLocation = storeLocationOf(config);
  const store = await openStore(storeLocation, { logger, queryTimeoutMs: storeQueryTimeoutMs });
  const storeHealth = new StoreHealth();
  const masterKey = await loadMasterKey({ env, dataDirectory: config.dataDir });
  const credentials = new ProviderCredentials(store, new SecretBox(masterKey.key), logger, storeHealth);
  await credentials.start(5_000);

  const registry = buildProviderRegistry({ config, env, providersWithStoredKeys: credentials.storedProviders() });
  let mockUpstream: FakeUpstream | undefined;
  // Started once, when a config first enables the mock (at start or by a reload), and kept until the stop.
  let mockStarting: Promise<FakeUpstream> | undefined;
  const mockUpstreamBaseUrl = async (): Promise<string> => {
    mockStarting ??= startFakeUpstream({ host: '127.0.0.1', port: 0 }).then(
      (started) => (mockUpstream = started),
      (error: unknown) => {
        mockStarting = undefined;
        throw error;
      },
    );
    return `${(await mockStarting).url}/v1`;
  };
  if (registry.get('mock')) registry.setBaseUrl('mock', await mockUpstreamBaseUrl());

  const keyView = new KeyView(store, logger, storeHealth);
  await keyView.start(config.keys.refreshIntervalMs);
  const requestLog =
    options.requestLogStream === undefined
      ? undefined
      : new RequestLog({ stream: options.requestLogStream, enabled: config.log.requests, keyName: (id) => keyView.findById(id)?.name });
  const principals = new PrincipalView(store, logger, storeHealth);
  await principals.start(config.keys.refreshIntervalMs);
  const dashboardSessions = new DashboardSessions({ store, keyView, logger, lifetimeMs: config.dashboard.sessionHours * 3_600_000, clock: options.clock });
  dashboardSessions.startPruning();
  let firstKeyToken: string | undefined;
  let firstKeyId: string | undefined;
  if (options.issueFirstKey || options.keysFromEnvironment) {
    const issued = await keysFromEnvironment({ store, env, logger, issueFirstKey: options.issueFirstKey === true });
    firstKeyToken = issued?.token;
    firstKeyId = issued?.id;
    await keyView.reload();
  }

  // Unique to this run's price lists (see GatewayServices.pricingEpoch).
  const pricingEpoch = Date.now();
  // Before the writer, which hands it stored rows' costs; it reads the writer's queue only at scrape time.
  const metrics = new GatewayMetrics({
    readUsageQueue: () => {
      const { queuedRows, droppedRows } = usageWriter.backlog;
      return { queuedRows, droppedRows };
    },
    now: options.clock,
  });
  const usageSink = new WorkerUsageSink({
    store: storeLocation,
    queryTimeoutMs: storeQueryTimeoutMs,
    pricing: config.pricing.overrides,
    pricingProviderIds: pricingProviderIdsOf(registry),
    pricingEpoch,
  });
  // Rows from an earlier run still in the spool are replayed by the writer once the store takes writes.
  const usageSpool = await UsageSpool.open({ directory: join(config.dataDir, 'usage-spool'), maxBytes: config.usage.maxSpoolBytes, logger });
  const usageWriter = new UsageWriter({
    sink: usageSink,
    logger,
    flushIntervalMs: config.usage.flushIntervalMs,
    batchSize: config.usage.batchSize,
    maxQueuedRows: config.usage.maxQueuedRows,
    spool: usageSpool,
    health: storeHealth,
    onRowsStored: (rows) => {
      metrics.recordStoredCosts(rows);
      requestLog?.write(rows);
    },
  });
  const upstream = new UpstreamClient(config.upstream);
  const tracing = await startTracing(config.telemetry, env, logger);
  const retention = new UsageRetention({ store, logger, retainDays: config.usage.retainDays, retainRollupDays: config.usage.retainRollupDays });
  retention.start(retentionIntervalMs);
  const rollupCompactor = new RollupCompactor({ store: storeLocation, queryTimeoutMs: storeQueryTimeoutMs, intervalMs: rollupCompactionIntervalMs, logger });
  rollupCompactor.start();

  // Budgets read stored spend as the current price list counts it (`holder` exists by the first call).
  const sharedState = createSharedState(config, store, logger, options.clock, () => holder.current.pricer.preferBilled);
  const pricer = new Pricer(config.pricing.overrides, { preferBilled: config.pricing.preferBilled });
  const { aliases, withoutStandIns } = buildAliasTables({
    configured: config.aliases,
    registry,
    hasKey: (provider) => credentials.keyFor(provider) !== undefined,
  });
  const router = await createRouter({
    config,
    registry,
    aliases,
    aliasesWithoutStandIns: withoutStandIns,
    pricer,
    logger,
    cooldowns: sharedState.cooldowns,
    onCooldownStatus: (targetId, status) => metrics.setTargetCooldown(targetId, status),
  });
  if (router.groups.size > 0) sharedState.enableCooldowns();
  // Once the registry is final and the groups resolved; a config reload calls it again with the new ones.
  metrics.rebuildKnownModels({ registry, aliases, groups: router.groups });
  let ready = true;
  const initialServices: GatewayServices = {
    logger,
    store,
    storeHealth,
    keyView,
    dashboardSessions,
    principals,
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
    aliasesWithoutStandIns: withoutStandIns,
    router,
    upstream,
    usageWriter,
    tracing,
    cors: corsPolicyFor(config.cors.origins),
    metrics,
    clock: options.clock ?? Date.now,
    isReady: () => ready,
  };
  const holder = new ServicesHolder(initialServices);
  const drain = new ConnectionDrain(logger);
  const resources: GatewayResources = {
    env,
    logger,
    cooldowns: sharedState.cooldowns,
    enableCooldowns: () => sharedState.enableCooldowns(),
    mockUpstreamBaseUrl,
    startTracing: (settings) => startTracing(settings, env, logger),
    updateUsagePricing: (epoch, pricing, pricingProviderIds) => usageSink.updatePricing({ pricingEpoch: epoch, pricing, pricingProviderIds }),
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
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;

  let closing: Promise<void> | undefined;
  const close = (drainOptions?: DrainOptions): Promise<void> => {
    closing ??= (async () => {
      ready = false;
      await drain.drain(drainOptions);
      await app.close();
      await reloader?.close();
      await retention.stop();
      await rollupCompactor.close();
      keyView.stop();
      dashboardSessions.stop();
      principals.stop();
      credentials.stop();
      await usageWriter.close();
      await usageSpool.close();
      await usageSink.close();
      // After the usage flush, so the spans of the last calls (ended when their rows were queued) go out too.
      await holder.current.tracing?.shutdown();
      await upstream.close();
      await mockUpstream?.close();
      await holder.current.router.close();
      await sharedState.close();
      await store.close();
    })();
    return closing;
  };

  return {
    url: `http://${host}:${port}`,
    app,
    get services() {
      return holder.current;
    },
    reload,
    dataDir: config.dataDir,
    firstKeyToken,
    firstKeyId,
    get mockUpstream() {
      return mockUpstream;
    },
    close,
  };
}

/**
 * Traces when an OTLP endpoint is configured, else null. The OpenTelemetry SDK is loaded only then: a
 * gateway with telemetry off neither loads nor runs any of it.
 */
async function startTracing(settings: SluiceConfig['telemetry'], env: NodeJS.ProcessEnv, logger: Logger): Promise<Tracing | null> {
  const endpoint = settings.otlp.endpoint;
  if (endpoint === undefined) return null;
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
  if (protocol !== undefined && protocol !== 'http/json') {
    logger.warn({ protocol }, 'traces are exported as OTLP/HTTP JSON; the OTLP protocol setting is ignored');
  }
  const { startOtlpTracing } = await import('../telemetry/otlp-tracing.js');
  // The origin only: an endpoint URL may carry credentials.
  logger.info({ collector: new URL(endpoint).origin, serviceName: settings.serviceName }, 'exporting OpenTelemetry traces');
  return startOtlpTracing({ ...settings, otlp: { ...settings.otlp, endpoint } }, logger);
}
