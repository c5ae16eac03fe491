import { parentPort, workerData } from 'node:worker_threads';
import { openStore, type StoreLocation } from '../open-store.js';
import type { Store } from '../store.js';

/**
 * Runs in its own thread: compacts minute rollups into hours and days (`Store.compactRollups`) every
 * `intervalMs` with its own store connection, so neither the usage writer's batches nor the request loop
 * do that work. A pass that fails (the store is down) is tried again on the next.
 */
export interface RollupCompactorData {
  store: StoreLocation;
  queryTimeoutMs: number;
  intervalMs: number;
}

/** What the thread tells the gateway: a pass that moved the mark, or one that failed (or its connection's close). */
export type RollupCompactorReport = { kind: 'compacted'; from: number; to: number; ms: number } | { kind: 'failed'; message: string };

/** Sent by the gateway when it closes: the thread ends its pass, closes its connection and ends. */
export interface RollupCompactorStop {
  kind: 'stop';
}

const data = workerData as RollupCompactorData;
let store: Store | undefined;
let stopping = false;
let wake: (() => void) | undefined;

function report(message: RollupCompactorReport): void {
  parentPort?.postMessage(message);
}

async function pass(): Promise<void> {
  try {
    store ??= await openStore(data.store, { queryTimeoutMs: data.queryTimeoutMs, compactWithBatches: false });
    const started = performance.now();
    const from = await store.rollupsCompactedUntil();
    const to = await store.compactRollups();
    if (to !== from) report({ kind: 'compacted', from, to, ms: performance.now() - started });
  } catch (error) {
    reportFailure(error);
  }
}

function reportFailure(error: unknown): void {
  report({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
}

async function run(): Promise<void> {
  while (!stopping) {
    await pass();
    if (stopping) break;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, data.intervalMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  await store?.close().catch(reportFailure);
  parentPort?.close();
}

parentPort?.on('message', (message: RollupCompactorStop) => {
  if (message.kind !== 'stop') return;
  stopping = true;
  wake?.();
});

void run();
