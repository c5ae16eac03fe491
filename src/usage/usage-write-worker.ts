import { parentPort, workerData } from 'node:worker_threads';
import type { PriceOverride } from '../config/config-schema.js';
import { openStore, type StoreLocation } from '../store/open-store.js';
import { storeErrorKind, type StoreErrorKind } from '../store/store-error-kind.js';
import type { Store } from '../store/store.js';
import { priceUsageRow } from './price-usage-row.js';
import { Pricer } from './pricing.js';
import type { UsageRow } from './usage-row.js';

/**
 * Runs in a worker thread: prices usage rows and writes them to the store with its own connection, so
 * neither the synchronous SQLite write nor the pricing lookup (tens of microseconds a row) ever runs on the
 * event loop that serves requests.
 */
export interface UsageWorkerData {
  store: StoreLocation;
  /** Bounds each PostgreSQL query, so a silent connection fails a batch instead of holding it forever. */
  queryTimeoutMs: number;
  pricing: Record<string, PriceOverride>;
  pricingProviderIds: Array<[string, string | undefined]>;
}

export interface UsageWorkerRequest {
  id: number;
  rows: UsageRow[];
}

/** A failure says what kind it was, so the writer knows whether to wait for the store or drop a bad row. */
export type UsageWorkerReply = { id: number; ok: true } | { id: number; ok: false; message: string; kind: StoreErrorKind };

const data = workerData as UsageWorkerData;
const pricer = new Pricer(data.pricing);
const pricingProviderIds = new Map(data.pricingProviderIds);

// Opened on first use and again after a failed open: a store that is down when the thread starts must make
// this batch fail (and be retried), never end the thread and leave every later batch unanswered.
let opening: Promise<Store> | undefined;
function store(): Promise<Store> {
  opening ??= openStore(data.store, { queryTimeoutMs: data.queryTimeoutMs }).catch((error: unknown) => {
    opening = undefined;
    throw error;
  });
  return opening;
}

parentPort?.on('message', (request: UsageWorkerRequest) => {
  void (async () => {
    try {
      for (const row of request.rows) priceUsageRow(pricer, pricingProviderIds, row);
      await (await store()).recordUsage(request.rows);
      parentPort?.postMessage({ id: request.id, ok: true } satisfies UsageWorkerReply);
    } catch (error) {
      parentPort?.postMessage({ id: request.id, ok: false, message: String(error), kind: storeErrorKind(error) } satisfies UsageWorkerReply);
    }
  })();
});
