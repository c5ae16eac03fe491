import { parentPort, workerData } from 'node:worker_threads';
import { GatewayError, type GatewayErrorCode } from '../errors/gateway-error.js';
import { openStore, type StoreLocation } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import type { CompareReport } from './compare-report.js';
import { compareRuns } from './compare-runs.js';

/**
 * Runs in a worker thread: builds compare reports (`compareRuns`, the CLI's code too) with its own store
 * connection, so neither reading a run's rows (better-sqlite3 reads synchronously: ~2 s for 200,000 calls)
 * nor the bootstrap (~1 s) runs on the event loop that serves requests. Only run ids go in and the report
 * (a few kilobytes) comes out: handing the rows over instead would cost the request thread ~0.3 s of
 * serialising at the bound, on top of reading them.
 */
export interface CompareWorkerData {
  store: StoreLocation;
  /** Bounds each PostgreSQL query, so a silent connection fails a compare instead of holding the thread. */
  queryTimeoutMs: number;
}

/** A compare to build, or the gateway closing: the thread ends the compare under way, closes its connection and ends. */
export type CompareWorkerRequest = { kind: 'compare'; id: number; runs: string[] } | { kind: 'stop' };

/** A refusal the API answers as is (a run not found, too many calls, the store down), as plain data. */
export interface CompareRefusal {
  code: GatewayErrorCode;
  message: string;
  param: string | undefined;
  headers: Record<string, string>;
}

export type CompareWorkerReply =
  | { id: number; ok: true; report: CompareReport }
  | { id: number; ok: false; refusal: CompareRefusal }
  | { id: number; ok: false; failure: string };

const data = workerData as CompareWorkerData;

// Opened on the first compare and again after a failed open: a store down when the thread starts fails
// that compare (a 503), not every later one.
let opening: Promise<Store> | undefined;
function store(): Promise<Store> {
  opening ??= openStore(data.store, { queryTimeoutMs: data.queryTimeoutMs, compactWithBatches: false }).catch((error: unknown) => {
    opening = undefined;
    throw error;
  });
  return opening;
}

async function answer(request: { id: number; runs: string[] }): Promise<CompareWorkerReply> {
  try {
    return { id: request.id, ok: true, report: await compareRuns(await store(), request.runs) };
  } catch (error) {
    if (error instanceof GatewayError) return { id: request.id, ok: false, refusal: { code: error.code, message: error.message, param: error.param, headers: error.headers } };
    return { id: request.id, ok: false, failure: error instanceof Error ? error.message : String(error) };
  }
}

// The gateway sends one compare at a time; the chain keeps the stop behind the compare under way anyway.
let work = Promise.resolve();
parentPort?.on('message', (message: CompareWorkerRequest) => {
  if (message.kind === 'compare') {
    work = work.then(async () => parentPort?.postMessage(await answer(message)));
    return;
  }
  work = work.then(async () => {
    await (await opening?.catch(() => undefined))?.close();
    parentPort?.close();
  });
});
