import type { Logger } from '../server/logger.js';
import type { UsageRow } from './usage-row.js';
import type { UsageSink } from './worker-usage-sink.js';

export interface UsageWriterOptions {
  /** Usually the worker sink, which prices and writes off the request thread. */
  sink: UsageSink;
  flushIntervalMs: number;
  batchSize: number;
  logger: Logger;
}

/** Rows kept for retry when the store is down; beyond this the oldest are dropped and counted. */
const maximumQueuedRows = 100_000;

/**
 * Queues usage rows and writes them in batches off the request path. `close()` writes everything still
 * queued, so a clean shutdown loses nothing.
 */
export class UsageWriter {
  readonly #options: UsageWriterOptions;
  #queue: UsageRow[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #closed = false;
  #dropped = 0;

  constructor(options: UsageWriterOptions) {
    this.#options = options;
    this.#timer = setInterval(() => void this.#write('batches'), options.flushIntervalMs);
    this.#timer.unref();
  }

  enqueue(row: UsageRow): void {
    this.#queue.push(row);
    if (this.#queue.length > maximumQueuedRows) {
      this.#queue.shift();
      this.#dropped++;
    }
    if (this.#queue.length >= this.#options.batchSize && !this.#flushing) setImmediate(() => void this.#write('batches'));
  }

  get queuedRows(): number {
    return this.#queue.length;
  }

  /** Writes every row queued now, including rows a write already under way has left behind. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    await this.#write('everything');
  }

  /**
   * One write at a time. On the timer or a full batch, it writes what is queued, then only further full
   * batches: rows that arrive during a write wait for the next tick instead of going out a few at a time
   * (each hand-off to the writer thread has a fixed cost, so small batches cost more per row).
   */
  #write(mode: 'batches' | 'everything'): Promise<void> {
    if (this.#flushing) return this.#flushing;
    if (this.#queue.length === 0) return Promise.resolve();
    this.#flushing = this.#writeQueued(mode).finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #writeQueued(mode: 'batches' | 'everything'): Promise<void> {
    const { batchSize } = this.#options;
    do {
      const batch = this.#queue.splice(0, batchSize);
      try {
        await this.#options.sink.recordUsage(batch);
      } catch (error) {
        // Keep the rows for the next attempt rather than losing them.
        this.#queue.unshift(...batch);
        this.#options.logger.error({ err: error, rows: batch.length }, 'usage write failed; will retry');
        return;
      }
    } while (this.#queue.length >= batchSize || (mode === 'everything' && this.#queue.length > 0));
    if (this.#dropped > 0) {
      this.#options.logger.error({ rows: this.#dropped }, 'usage rows dropped because the queue overflowed');
      this.#dropped = 0;
    }
  }

  /** Stops the timer and writes every queued row, retrying a few times if the store hiccups. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    for (let attempt = 0; attempt < 5 && this.#queue.length + (this.#flushing ? 1 : 0) > 0; attempt++) {
      await this.flush();
      if (this.#queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
    }
  }
}
