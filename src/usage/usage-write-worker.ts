import { parentPort, workerData } from 'node:worker_threads';
import { sealPendingCaptures } from '../capture/captured-exchange-of.js';
import type { PendingCapture } from '../capture/pending-capture.js';
import { configuredRedactions, Redactor } from '../capture/redaction.js';
import type { RedactionConfig } from '../config/capture-schema.js';
import type { PriceOverride } from '../config/config-schema.js';
import { SecretBox } from '../keys/secret-box.js';
import { openStore, type StoreLocation } from '../store/open-store.js';
import { storeErrorKind, type StoreErrorKind } from '../store/store-error-kind.js';
import type { Store } from '../store/store.js';
import { priceUsageRow } from './price-usage-row.js';
import { Pricer } from './pricing.js';
import { unpackUsageRows, type PackedUsageRows } from './packed-usage-rows.js';

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
  /** The price list these are (`GatewayServices.pricingEpoch`). */
  pricingEpoch: number;
  /**
   * The master key, which seals captured calls (issue 22 §2) as it seals stored provider keys. The gateway
   * always gives it; a writer without one (a bench, a test) is sent no captures.
   */
  masterKey?: Uint8Array;
  /** `capture.redact`: the configured redactions, applied after the built-in ones. */
  redact?: RedactionConfig[];
  /** False only in the usage writer benchmark: rows written without rollups, its baseline. */
  rollups?: boolean;
}

export interface UsageWorkerRequest {
  id: number;
  /** Packed to post (packed-usage-rows.ts): read back in a fraction of what cloning row objects costs. */
  rows: PackedUsageRows;
  /** The captured calls among the rows: redacted, sealed and stored after them. */
  captures?: readonly PendingCapture[];
}

/** New configured redactions after a config reload. */
export interface UsageWorkerRedaction {
  redact: RedactionConfig[];
}

/** A new price list after a config reload, for rows whose calls started under it. */
export interface UsageWorkerPricing {
  pricing: Record<string, PriceOverride>;
  pricingProviderIds: Array<[string, string | undefined]>;
  pricingEpoch: number;
}

interface PriceList {
  pricer: Pricer;
  pricingProviderIds: ReadonlyMap<string, string | undefined>;
}

/** Price lists kept for rows of calls still under way at a reload; a row with an older one gets the newest. */
const keptPriceLists = 8;

/**
 * A success carries each row's price (in batch order) back to the request thread, which reads it for the
 * metrics' cost counter without pricing anything itself. A failure says what kind it was, so the writer
 * knows whether to wait for the store or drop a bad row.
 */
export type UsageWorkerReply = { id: number; ok: true; costsUsd: Array<number | null> } | { id: number; ok: false; message: string; kind: StoreErrorKind };

const data = workerData as UsageWorkerData;
const priceLists = new Map<number, PriceList>();
let newestPriceList = addPriceList(data);
const captureBox = data.masterKey === undefined ? undefined : new SecretBox(Buffer.from(data.masterKey));
let redactor = new Redactor(configuredRedactions(data.redact ?? []));

function addPriceList(pricing: UsageWorkerPricing): PriceList {
  const list = { pricer: new Pricer(pricing.pricing), pricingProviderIds: new Map(pricing.pricingProviderIds) };
  priceLists.set(pricing.pricingEpoch, list);
  if (priceLists.size > keptPriceLists) priceLists.delete(priceLists.keys().next().value!);
  return list;
}

// Compaction is left to the rollup compactor's thread (`rollup-compact-worker.ts`): a batch that passes an
// hour is written as fast as any other.
// Opened on first use and again after a failed open: a store that is down when the thread starts must make
// this batch fail (and be retried), never end the thread and leave every later batch unanswered.
let opening: Promise<Store> | undefined;
function store(): Promise<Store> {
  opening ??= openStore(data.store, { queryTimeoutMs: data.queryTimeoutMs, compactWithBatches: false, ...(data.rollups === false ? { rollups: false } : {}) }).catch((error: unknown) => {
    opening = undefined;
    throw error;
  });
  return opening;
}

parentPort?.on('message', (message: UsageWorkerRequest | UsageWorkerPricing | UsageWorkerRedaction) => {
  if ('pricing' in message) {
    newestPriceList = addPriceList(message);
    return;
  }
  if ('redact' in message) {
    redactor = new Redactor(configuredRedactions(message.redact));
    return;
  }
  const request = message;
  void (async () => {
    try {
      const rows = unpackUsageRows(request.rows);
      for (const row of rows) {
        const list = (row.pricingEpoch === undefined ? undefined : priceLists.get(row.pricingEpoch)) ?? newestPriceList;
        priceUsageRow(list.pricer, list.pricingProviderIds, row);
      }
      const opened = await store();
      await opened.recordUsage(rows);
      // After their rows: a capture is written only with its usage row stored (the retried batch rewrites neither).
      if (request.captures !== undefined && captureBox !== undefined) await opened.recordCaptures(sealPendingCaptures(request.captures, rows, redactor, captureBox));
      parentPort?.postMessage({ id: request.id, ok: true, costsUsd: rows.map((row) => row.costUsd) } satisfies UsageWorkerReply);
    } catch (error) {
      parentPort?.postMessage({ id: request.id, ok: false, message: String(error), kind: storeErrorKind(error) } satisfies UsageWorkerReply);
    }
  })();
});
