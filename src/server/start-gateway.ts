import { mkdir } from 'node:fs/promises';
import { DashboardSessions } from '../dashboard/dashboard-sessions.js';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { SluiceConfig } from '../config/config-schema.js';
import { issueGatewayKey } from '../keys/issue-gateway-key.js';
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
import { UsageRetention } from '../usage/usage-retention.js';
import { UsageSpool } from '../usage/usage-spool.js';
import { UsageWriter } from '../usage/usage-writer.js';
import { createRouter } from '../routing/router.js';
import { WorkerUsageSink } from '../usage/worker-usage-sink.js';
import { buildApp } from './build-app.js';
import { ConnectionDrain, type DrainOptions } from './connection-drain.js';
import type { GatewayServices } from './gateway-services.js';
import { createLogger, type Logger } from './logger.js';
import { createSharedState } from './shared-state.js';

export interface StartGatewayOptions {
  config: SluiceConfig;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Issue an admin key when the store has none yet (the first `sluice serve`). */
  issueFirstKey?: boolean;
  /** The clock of in-process rate-limit windows and cache expiry; tests pass one they can move. Date.now by default. */
  clock?: () => number;
}

export interface RunningGateway {
  url: string;
  app: FastifyInstance;
  services: GatewayServices;
  dataDir: string;
  /** The token of the key issued on first run, printed once by the CLI. */
  firstKeyToken: string | undefined;
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
  if (registry.get('mock')) {
    mockUpstream = await startFakeUpstream({ host: '127.0.0.1', port: 0 });
    registry.setBaseUrl('mock', `${mockUpstream.url}/v1`);
  }

  const keyView = new KeyView(store, logger, storeHealth);
  await keyView.start(config.keys.refreshIntervalMs);
  const principals = new PrincipalView(store, logger, storeHealth);
  await principals.start(config.keys.refreshIntervalMs);
  const dashboardSessions = new DashboardSessions({ store, keyView, logger, lifetimeMs: config.dashboard.sessionHours * 3_600_000, clock: options.clock });
  dashboardSessions.startPruning();
  let firstKeyToken: string | undefined;
  if (options.issueFirstKey && (await store.listKeys()).length === 0) {
    const issued = await issueGatewayKey(store, { name: 'first-key', role: 'admin' });
    firstKeyToken = issued.token;
    await keyView.reload();
  }

  const usageSink = new WorkerUsageSink({
    store: storeLocation,
    queryTimeoutMs: storeQueryTimeoutMs,
    pricing: config.pricing,
    pricingProviderIds: registry.routable().map((provider) => [provider.name, provider.pricingProviderId]),
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
  });
  const upstream = new UpstreamClient(config.upstream);
  const retention = new UsageRetention({ store, logger, retainDays: config.usage.retainDays, retainRollupDays: config.usage.retainRollupDays });
  retention.start(retentionIntervalMs);

  const sharedState = createSharedState(config, store, logger, options.clock);
  const pricer = new Pricer(config.pricing);
  const aliases = new Map(Object.entries(config.aliases));
  const router = await createRouter({ config, registry, aliases, pricer, logger, cooldowns: sharedState.cooldowns });
  let ready = true;
  const services: GatewayServices = {
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
    budgetLedger: sharedState.budgetLedger,
    pricer,
    costBound: new CostBound(config.pricing),
    limitDefaults: config.limits.defaults,
    registry,
    credentials,
    aliases,
    router,
    upstream,
    usageWriter,
    clock: options.clock ?? Date.now,
    isReady: () => ready,
  };
  const drain = new ConnectionDrain(logger);
  const app = await buildApp(services, { bodyLimit: config.server.bodyLimit, corsOrigins: config.cors.origins, drain });
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
      await retention.stop();
      keyView.stop();
      dashboardSessions.stop();
      principals.stop();
      credentials.stop();
      await usageWriter.close();
      await usageSpool.close();
      await usageSink.close();
      await upstream.close();
      await mockUpstream?.close();
      await router.close();
      await sharedState.close();
      await store.close();
    })();
    return closing;
  };

  return { url: `http://${host}:${port}`, app, services, dataDir: config.dataDir, firstKeyToken, mockUpstream, close };
}
