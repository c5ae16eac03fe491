import { join } from 'node:path';
import type { SluiceConfig } from '../../config/config-schema.js';
import type { StoreLocation } from '../../store/open-store.js';
import type { StoreHealth } from '../../store/store-health.js';
import type { Store } from '../../store/store.js';
import type { UsageRow } from '../../domain/usage-row.js';
import { CaptureRetention } from '../../capture/capture-retention.js';
import { RollupCompactor } from '../../store/rollups/rollup-compactor.js';
import { UsageRetention } from '../../usage/usage-retention.js';
import { UsageSpool } from '../../usage/usage-spool.js';
import { UsageWriter } from '../../usage/usage-writer.js';
import { WorkerUsageSink } from '../../usage/worker-usage-sink.js';
import type { Logger } from '../../domain/logger.js';

/** How often usage past its retention is looked for (the first pass runs a minute after start). */
const retentionIntervalMs = 3_600_000;

/**
 * How often the rollup compactor looks for an hour whose minutes can be compacted (the usage writer leaves
 * that to it). Until it does, reports read those minutes: the answers are the same, a little slower.
 */
const rollupCompactionIntervalMs = 10_000;

/**
 * Where usage rows go after a call: queued on the request thread, written (and priced) by the usage writer
 * thread, spooled to disk while the store refuses writes; then compacted into hour and day rollups by their
 * own thread, and deleted past their retention.
 */
export interface UsagePipeline {
  writer: UsageWriter;
  /** The writer thread's side: a new price list goes to it on a pricing reload. */
  sink: WorkerUsageSink;
  /** Flushes every queued row, then stops each part: a clean stop loses no row. */
  close(): Promise<void>;
}

export interface UsagePipelineOptions {
  config: SluiceConfig;
  store: Store;
  storeLocation: StoreLocation;
  storeHealth: StoreHealth;
  queryTimeoutMs: number;
  logger: Logger;
  /** Provider name to its pricing id, for the writer thread's price list. */
  pricingProviderIds: Array<[string, string | undefined]>;
  pricingEpoch: number;
  /** Seals captured calls in the writer thread (the key that seals stored provider keys). */
  masterKey: Buffer;
  /** Rows the store took, priced: metrics count their cost, the request log writes their lines. */
  onRowsStored(rows: readonly UsageRow[]): void;
}

export async function startUsagePipeline(options: UsagePipelineOptions): Promise<UsagePipeline> {
  const { config, logger, storeLocation, queryTimeoutMs } = options;
  const sink = new WorkerUsageSink({
    store: storeLocation,
    queryTimeoutMs,
    pricing: config.pricing.overrides,
    pricingProviderIds: options.pricingProviderIds,
    pricingEpoch: options.pricingEpoch,
    masterKey: options.masterKey,
    redact: config.capture.redact,
  });
  // Rows from an earlier run still in the spool are replayed by the writer once the store takes writes.
  const spool = await UsageSpool.open({ directory: join(config.dataDir, 'usage-spool'), maxBytes: config.usage.maxSpoolBytes, logger });
  const writer = new UsageWriter({
    sink,
    logger,
    flushIntervalMs: config.usage.flushIntervalMs,
    batchSize: config.usage.batchSize,
    maxQueuedRows: config.usage.maxQueuedRows,
    spool,
    health: options.storeHealth,
    onRowsStored: options.onRowsStored,
  });
  const retention = new UsageRetention({
    store: options.store,
    logger,
    retainDays: config.usage.retainDays,
    retainRollupDays: config.usage.retainRollupDays,
  });
  retention.start(retentionIntervalMs);
  // Captures carry their own expiry (their key's, team's or group's retainDays): deleted on the same schedule.
  const captureRetention = new CaptureRetention({ store: options.store, logger });
  captureRetention.start(retentionIntervalMs);
  const compactor = new RollupCompactor({ store: storeLocation, queryTimeoutMs, intervalMs: rollupCompactionIntervalMs, logger });
  compactor.start();
  return {
    writer,
    sink,
    async close() {
      await retention.stop();
      await captureRetention.stop();
      await compactor.close();
      await writer.close();
      await spool.close();
      await sink.close();
    },
  };
}
