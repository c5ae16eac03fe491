import { Worker } from 'node:worker_threads';
import { builtWorkerScript } from '../support/built-worker-script.js';
import type { PendingCapture } from '../capture/pending-capture.js';
import { usageWriterThreadLimits } from '../support/memory-settings.js';
import type { UsageRow } from '../domain/usage-row.js';
import { UsageRowsRejectedError } from './usage-rows-rejected-error.js';
import type { UsageWorkerData, UsageWorkerPricing, UsageWorkerRedaction, UsageWorkerReply, UsageWorkerRequest } from './usage-write-worker.js';
import { packUsageRows } from './packed-usage-rows.js';

/**
 * Where a batch of usage rows goes: a store, or a worker thread that prices and stores them. A sink that
 * prices fills in `costUsd` on the rows it was given once they are stored.
 */
export interface UsageSink {
  /** `captures`: the captured calls among the rows (same ids), redacted, sealed and written with them. */
  recordUsage(rows: readonly UsageRow[], captures?: readonly PendingCapture[]): Promise<void>;
}

/**
 * Sends batches to `usage-write-worker` and resolves when the worker has written them. The worker's own
 * store connection writes while the request loop keeps serving (SQLite's WAL mode allows one writer beside
 * readers). Every batch gets an answer: a worker that dies fails the batches it held, and the next batch
 * starts a new one, so a crash in the thread costs a retry, never the rows or the process.
 */
export class WorkerUsageSink implements UsageSink {
  #data: UsageWorkerData;
  #thread: WriterThread | undefined;
  #nextId = 0;
  #closed = false;

  constructor(data: UsageWorkerData) {
    this.#data = data;
    this.#thread = this.#spawn();
  }

  recordUsage(rows: readonly UsageRow[], captures?: readonly PendingCapture[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the usage writer thread is stopped'));
    const thread = (this.#thread ??= this.#spawn());
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      thread.pending.set(id, {
        resolve: (costsUsd) => {
          // The thread priced its copies of the rows; these are the request thread's own. The batch is
          // stored whatever happens here, so it resolves in any case.
          try {
            costsUsd?.forEach((costUsd, index) => {
              const row = rows[index];
              if (row && row.costUsd === null) row.costUsd = costUsd;
            });
          } finally {
            resolve();
          }
        },
        reject,
      });
      const { packed, transfer } = packUsageRows(rows);
      thread.worker.postMessage((captures === undefined ? { id, rows: packed } : { id, rows: packed, captures }) satisfies UsageWorkerRequest, transfer);
    });
  }

  /**
   * Adds a price list (a config reload): rows carrying its epoch are priced with it, and so are rows with
   * none or an unknown one. Messages to the thread keep their order, so every batch sent after this can use
   * it; a thread started later begins with it.
   */
  updatePricing(pricing: UsageWorkerPricing): void {
    this.#data = { ...this.#data, ...pricing };
    this.#thread?.worker.postMessage(pricing);
  }

  /** New `capture.redact` patterns (a config reload): batches sent after this are redacted with them. */
  updateRedaction(redaction: UsageWorkerRedaction): void {
    this.#data = { ...this.#data, redact: redaction.redact };
    this.#thread?.worker.postMessage(redaction);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#thread?.worker.terminate();
  }

  #spawn(): WriterThread {
    const thread: WriterThread = { worker: new Worker(builtWorkerScript('usage/usage-write-worker.js'), { workerData: this.#data, resourceLimits: usageWriterThreadLimits }), pending: new Map() };
    const fail = (error: Error) => {
      // The next batch goes to a new thread; this one's batches fail and are retried by the writer.
      if (this.#thread === thread) this.#thread = undefined;
      for (const waiting of thread.pending.values()) waiting.reject(error);
      thread.pending.clear();
    };
    thread.worker.on('message', (reply: UsageWorkerReply) => {
      const waiting = thread.pending.get(reply.id);
      thread.pending.delete(reply.id);
      if (reply.ok) waiting?.resolve(reply.costsUsd);
      else if (reply.kind === 'rejected') waiting?.reject(new UsageRowsRejectedError(reply.message));
      else waiting?.reject(new Error(`usage write failed: ${reply.message}`));
    });
    thread.worker.on('error', fail);
    thread.worker.on('exit', (code) => fail(new Error(`usage worker exited with code ${code}`)));
    return thread;
  }
}

interface WriterThread {
  worker: Worker;
  /** Batches sent to this thread and not yet answered. */
  pending: Map<number, { resolve: (costsUsd: Array<number | null> | undefined) => void; reject: (error: Error) => void }>;
}
