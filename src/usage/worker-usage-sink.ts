import { Worker } from 'node:worker_threads';
import { builtWorkerScript } from '../support/built-worker-script.js';
import type { PendingCapture } from '../capture/pending-capture.js';
import { usageWriterThreadLimits } from '../support/memory-settings.js';
import type { Logger } from '../domain/logger.js';
import type { UsageRow } from '../domain/usage-row.js';
import { UsageRowsRejectedError } from './usage-rows-rejected-error.js';
import type {
  UsageWorkerData,
  UsageWorkerNotice,
  UsageWorkerPricing,
  UsageWorkerRedaction,
  UsageWorkerReply,
  UsageWorkerRequest,
  UsageWorkerStopCompaction,
} from './usage-write-worker.js';
import { packUsageRows } from './packed-usage-rows.js';

/**
 * Where a batch of usage rows goes: a store, or a worker thread that prices and stores them. A sink that
 * prices fills in `costUsd` on the rows it was given once they are stored.
 */
export interface UsageSink {
  /** `captures`: the captured calls among the rows (same ids), redacted, sealed and written with them. */
  recordUsage(rows: readonly UsageRow[], captures?: readonly PendingCapture[]): Promise<void>;
}

/** Rollup compaction in the writer's thread (the gateway's): how often, and where its passes are logged. */
export interface WriterThreadCompaction {
  intervalMs: number;
  logger: Logger;
}

/**
 * Sends batches to `usage-write-worker` and resolves when the worker has written them. The worker's own
 * store connection writes while the request loop keeps serving (SQLite's WAL mode allows one writer beside
 * readers). Every batch gets an answer: a worker that dies fails the batches it held, and the next batch
 * starts a new one, so a crash in the thread costs a retry, never the rows or the process.
 *
 * With `compaction`, the thread also compacts the rollups between batches; a thread that dies is started
 * again on the next interval even if no batch comes, so compaction goes on.
 */
export class WorkerUsageSink implements UsageSink {
  #data: UsageWorkerData;
  #compaction: WriterThreadCompaction | undefined;
  #thread: WriterThread | undefined;
  #restart: NodeJS.Timeout | undefined;
  #nextId = 0;
  #closed = false;

  constructor(data: UsageWorkerData, options: { compaction?: WriterThreadCompaction } = {}) {
    this.#data = data;
    this.#compaction = options.compaction;
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

  /**
   * Stops rollup compaction (the gateway's stop, before the last rows are flushed): resolves once the thread
   * has ended the step under way. Threads started after this do not compact.
   */
  async stopCompaction(): Promise<void> {
    if (!this.#compaction) return;
    this.#compaction = undefined;
    clearTimeout(this.#restart);
    const thread = this.#thread;
    if (!thread) return;
    await new Promise<void>((resolve) => {
      thread.compactionStopped = resolve;
      thread.worker.postMessage({ kind: 'stop-compaction' } satisfies UsageWorkerStopCompaction);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#restart);
    await this.#thread?.worker.terminate();
  }

  #spawn(): WriterThread {
    const workerData: UsageWorkerData = this.#compaction ? { ...this.#data, compactionIntervalMs: this.#compaction.intervalMs } : this.#data;
    const thread: WriterThread = { worker: new Worker(builtWorkerScript('usage/usage-write-worker.js'), { workerData, resourceLimits: usageWriterThreadLimits }), pending: new Map() };
    const fail = (error: Error) => {
      // The next batch goes to a new thread; this one's batches fail and are retried by the writer.
      if (this.#thread === thread) this.#thread = undefined;
      for (const waiting of thread.pending.values()) waiting.reject(error);
      thread.pending.clear();
      thread.compactionStopped?.();
      this.#restartForCompaction();
    };
    thread.worker.on('message', (reply: UsageWorkerReply | UsageWorkerNotice) => {
      if (!('id' in reply)) {
        this.#notice(thread, reply);
        return;
      }
      const waiting = thread.pending.get(reply.id);
      thread.pending.delete(reply.id);
      if (reply.ok) waiting?.resolve(reply.costsUsd);
      else if (reply.kind === 'rejected') waiting?.reject(new UsageRowsRejectedError(reply.message));
      else waiting?.reject(new Error(`usage write failed: ${reply.message}`));
    });
    thread.worker.on('error', (error) => {
      this.#compaction?.logger.error({ err: error }, 'the usage writer thread failed; its batches are retried and compaction starts again on the next interval');
      fail(error);
    });
    thread.worker.on('exit', (code) => fail(new Error(`usage worker exited with code ${code}`)));
    return thread;
  }

  #notice(thread: WriterThread, notice: UsageWorkerNotice): void {
    if (notice.kind === 'compaction-stopped') {
      thread.compactionStopped?.();
      return;
    }
    const logger = this.#compaction?.logger;
    const { report } = notice;
    if (report.kind === 'compacted') {
      logger?.debug({ from: new Date(report.from).toISOString(), to: new Date(report.to).toISOString(), ms: Math.round(report.ms) }, 'usage rollups compacted');
    } else logger?.warn({ reason: report.message }, 'usage rollup compaction failed; it is tried again on the next pass');
  }

  /** A thread that compacted is gone: a new one starts on the next interval, unless a batch starts it first. */
  #restartForCompaction(): void {
    if (this.#closed || !this.#compaction || this.#restart) return;
    this.#restart = setTimeout(() => {
      this.#restart = undefined;
      if (!this.#closed && this.#compaction) this.#thread ??= this.#spawn();
    }, this.#compaction.intervalMs);
    this.#restart.unref();
  }
}

interface WriterThread {
  worker: Worker;
  /** Batches sent to this thread and not yet answered. */
  pending: Map<number, { resolve: (costsUsd: Array<number | null> | undefined) => void; reject: (error: Error) => void }>;
  /** Set by `stopCompaction`: called when the thread says compaction stopped, or when it ends. */
  compactionStopped?: () => void;
}
