import { parentPort, workerData } from 'node:worker_threads';
import type { PriceOverride } from '../config/config-schema.js';
import { openStore, type StoreLocation } from '../store/open-store.js';
import { priceUsageRow } from './price-usage-row.js';
import { Pricer } from './pricing.js';
import type { UsageRow } from './usage-row.js';

/**
 * Runs in a worker thread: prices usage rows and writes them to SQLite with its own connection, so neither
 * the synchronous database write nor the pricing lookup (tens of microseconds a row) ever runs on the
 * event loop that serves requests.
 */
export interface UsageWorkerData {
  store: StoreLocation;
  pricing: Record<string, PriceOverride>;
  pricingProviderIds: Array<[string, string | undefined]>;
}

export interface UsageWorkerRequest {
  id: number;
  rows: UsageRow[];
}

export type UsageWorkerReply = { id: number; ok: true } | { id: number; ok: false; message: string };

const data = workerData as UsageWorkerData;
const store = await openStore(data.store);
const pricer = new Pricer(data.pricing);
const pricingProviderIds = new Map(data.pricingProviderIds);

parentPort?.on('message', (request: UsageWorkerRequest) => {
  void (async () => {
    try {
      for (const row of request.rows) {
        if (row.costUsd === null) row.costUsd = priceUsageRow(pricer, pricingProviderIds, row);
      }
      await store.recordUsage(request.rows);
      parentPort?.postMessage({ id: request.id, ok: true } satisfies UsageWorkerReply);
    } catch (error) {
      parentPort?.postMessage({ id: request.id, ok: false, message: String(error) } satisfies UsageWorkerReply);
    }
  })();
});
