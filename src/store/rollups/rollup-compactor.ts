import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../domain/logger.js';
import type { StoreLocation } from '../open-store.js';
import { builtWorkerScript } from '../../support/built-worker-script.js';
import { rollupCompactorThreadLimits } from '../../support/memory-settings.js';
import type { RollupCompactorData, RollupCompactorReport, RollupCompactorStop } from './rollup-compact-worker.js';

export interface RollupCompactorOptions {
  store: StoreLocation;
  queryTimeoutMs: number;
  /** How often the thread looks for hours to compact. */
  intervalMs: number;
  logger: Logger;
  /** How long `close` waits for a pass under way before it ends the thread (its transaction rolls back). */
  stopTimeoutMs?: number;
}

/**
 * Runs rollup compaction in its own thread (`rollup-compact-worker.ts`): minutes into hours once their hour
 * has passed, hours into days once their day has. The usage writer only appends minutes, so its batches
 * cost the same in the minute an hour ends as in any other; reports read whatever the mark says is
 * compacted, so they answer the same before and after a pass. A thread that dies is started again on the
 * next interval.
 */
export class RollupCompactor {
  readonly #options: RollupCompactorOptions;
  #worker: Worker | undefined;
  #restart: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: RollupCompactorOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#closed || this.#worker) return;
    const data: RollupCompactorData = { store: this.#options.store, queryTimeoutMs: this.#options.queryTimeoutMs, intervalMs: this.#options.intervalMs };
    const worker = new Worker(builtWorkerScript('store/rollups/rollup-compact-worker.js'), { workerData: data, resourceLimits: rollupCompactorThreadLimits });
    // The thread keeps nothing the process must wait for.
    worker.unref();
    this.#worker = worker;
    const { logger } = this.#options;
    worker.on('message', (report: RollupCompactorReport) => {
      if (report.kind === 'compacted') logger.debug({ from: new Date(report.from).toISOString(), to: new Date(report.to).toISOString(), ms: Math.round(report.ms) }, 'usage rollups compacted');
      else if (report.kind === 'failed') logger.warn({ reason: report.message }, 'usage rollup compaction failed; it is tried again on the next pass');
    });
    worker.on('error', (error) => logger.error({ err: error }, 'the usage rollup compactor thread failed; it starts again on the next interval'));
    worker.on('exit', () => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      if (this.#closed) return;
      this.#restart = setTimeout(() => this.start(), this.#options.intervalMs);
      this.#restart.unref();
    });
  }

  /** Asks the thread to end its pass and close its connection; ends it outright after `stopTimeoutMs`. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#restart);
    const worker = this.#worker;
    if (!worker) return;
    const exited = once(worker, 'exit');
    worker.postMessage({ kind: 'stop' } satisfies RollupCompactorStop);
    const timeout = setTimeout(() => void worker.terminate(), this.#options.stopTimeoutMs ?? 5_000);
    await exited;
    clearTimeout(timeout);
  }
}
