import type { PendingCapture } from '../capture/pending-capture.js';
import type { Logger } from '../domain/logger.js';
import { storeErrorKind } from '../store/store-error-kind.js';
import type { StoreHealth } from '../store/store-health.js';
import type { UsageRow } from '../domain/usage-row.js';
import { UsageRowsRejectedError } from './usage-rows-rejected-error.js';
import type { UsageSpool } from './usage-spool.js';
import type { UsageSink } from './worker-usage-sink.js';

export interface UsageWriterOptions {
  /** Usually the worker sink, which prices and writes off the request thread. */
  sink: UsageSink;
  flushIntervalMs: number;
  batchSize: number;
  logger: Logger;
  /** Rows held in memory while they cannot be written; past this the oldest go to the spool. */
  maxQueuedRows?: number;
  /** Where rows go past `maxQueuedRows` (and on shutdown while the store is down); without one they are dropped. */
  spool?: UsageSpool;
  /** Told whether usage writes reach the store, for /readyz. */
  health?: StoreHealth;
  /** Rows the store has taken (queued, or replayed from the spool), priced when the sink prices: the metrics' cost counter. */
  onRowsStored?: (rows: readonly UsageRow[]) => void;
}

export interface UsageBacklog {
  /** Rows in memory waiting for the store. */
  queuedRows: number;
  /** Rows in the spool on disk waiting for the store. */
  spooledRows: number;
  /** Rows lost since start: refused by the store as invalid, or past every bound. */
  droppedRows: number;
}

const defaultMaxQueuedRows = 10_000;
/**
 * Captured request and answer bytes held in memory waiting for their batch; a capture past this is dropped
 * (its row is not). A bound of its own because a capture may be hundreds of kilobytes where a row is one.
 */
export const maxHeldCaptureBytes = 64 * 1024 * 1024;
/** While the store is down a write is retried at growing intervals up to this, not on every tick. */
const maximumRetryDelayMs = 2_000;

/**
 * Queues usage rows and writes them in batches off the request path, and carries them through a store
 * outage: the queue is bounded, rows past it go to the spool on disk, and when the store takes writes again
 * the spool is replayed into it (the store ignores rows it already has, so nothing is written twice).
 * `close()` writes everything still queued, or spools it when the store is down, so a clean shutdown loses
 * nothing.
 */
export class UsageWriter {
  readonly #options: UsageWriterOptions;
  readonly #maxQueuedRows: number;
  #queue: UsageRow[] = [];
  /** Captures of queued rows, by row id (issue 22 §2); empty unless some call was captured. */
  readonly #captures = new Map<string, PendingCapture>();
  #heldCaptureBytes = 0;
  #droppedCaptures = 0;
  /** Rows of the batch being written: out of the queue, still in memory until the store has them. */
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #replaying: Promise<void> | undefined;
  #closed = false;
  #dropped = 0;
  #storeDown = false;
  #retryDelayMs = 0;
  #nextAttemptAt = 0;

  constructor(options: UsageWriterOptions) {
    this.#options = options;
    this.#maxQueuedRows = options.maxQueuedRows ?? defaultMaxQueuedRows;
    // Each tick writes what is queued and, when rows wait in the spool (from this run or an earlier one), replays them.
    this.#timer = setInterval(() => this.#tick(), options.flushIntervalMs);
    this.#timer.unref();
    // Another part found the store back: try on the next tick rather than at the end of the backoff.
    options.health?.retryWhenBack('usage', () => {
      this.#nextAttemptAt = 0;
    });
  }

  /** Queues a call's row, and its capture when the call was captured (written with the row's batch). */
  enqueue(row: UsageRow, capture?: PendingCapture): void {
    this.#queue.push(row);
    if (capture !== undefined) this.#holdCapture(capture);
    if (this.#queue.length + this.#inFlight > this.#maxQueuedRows) this.#spillOverflow();
    if (this.#queue.length >= this.#options.batchSize && !this.#flushing && !this.#storeDown) setImmediate(() => void this.#write('batches'));
  }

  get queuedRows(): number {
    return this.#queue.length + this.#inFlight;
  }

  get backlog(): UsageBacklog {
    return {
      queuedRows: this.#queue.length + this.#inFlight,
      spooledRows: this.#options.spool?.spooledRows ?? 0,
      droppedRows: this.#dropped + (this.#options.spool?.droppedRows ?? 0),
    };
  }

  /** Captures lost since start: their rows went to the spool (captures never do), or past `maxHeldCaptureBytes`. */
  get droppedCaptures(): number {
    return this.#droppedCaptures;
  }

  /** Writes every row queued now, including rows a write already under way has left behind. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    await this.#write('everything');
  }

  /**
   * Stops the timer and writes every queued row. With a spool, rows the store does not take now (or all of
   * them, when it is already known to be down) are spooled and replayed at the next start; without one, a
   * few retries.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    // A replay stops between batches once closed; its file stays and is replayed next time.
    await this.#replaying;
    const { spool } = this.#options;
    if (spool) {
      if (!this.#storeDown) await this.flush();
      while (this.#flushing) await this.#flushing;
      const spooled = this.#queue.splice(0);
      this.#dropCaptures(spooled);
      await spool.append(spooled);
      return;
    }
    for (let attempt = 0; attempt < 5 && this.#queue.length + (this.#flushing ? 1 : 0) > 0; attempt++) {
      await this.flush();
      if (this.#queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
    }
  }

  #tick(): void {
    if (this.#closed || (this.#storeDown && Date.now() < this.#nextAttemptAt)) return;
    void this.#write('batches');
    if ((this.#options.spool?.spooledRows ?? 0) > 0 && !this.#replaying) this.#replay();
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
      this.#inFlight = batch.length;
      try {
        await this.#deliver(batch);
      } catch (error) {
        // Keep the rows for the next attempt rather than losing them; past the bound they go to the spool.
        this.#inFlight = 0;
        this.#queue.unshift(...batch);
        this.#storeFailed(error);
        this.#spillOverflow();
        return;
      }
      this.#inFlight = 0;
      this.#storeWorks();
    } while (this.#queue.length >= batchSize || (mode === 'everything' && this.#queue.length > 0));
  }

  /**
   * Sends one batch. A batch the store refuses as invalid (not unreachable) is split in halves until the
   * row at fault is found and dropped with a log line, so one bad row never holds back the others. Any
   * other failure rejects, and the whole batch is tried again later (halves already stored are ignored).
   */
  async #deliver(rows: UsageRow[]): Promise<void> {
    try {
      const captures = this.#capturesOf(rows);
      await (captures === undefined ? this.#options.sink.recordUsage(rows) : this.#options.sink.recordUsage(rows, captures));
      if (captures !== undefined) this.#releaseCaptures(rows);
    } catch (error) {
      if (!(error instanceof UsageRowsRejectedError) && storeErrorKind(error) !== 'rejected') throw error;
      if (rows.length === 1) {
        this.#dropped++;
        this.#releaseCaptures(rows);
        this.#options.logger.error({ err: error, requestId: rows[0]?.id }, 'the store refused a usage row; it is dropped');
        return;
      }
      const middle = Math.ceil(rows.length / 2);
      await this.#deliver(rows.slice(0, middle));
      await this.#deliver(rows.slice(middle));
      return;
    }
    this.#options.onRowsStored?.(rows);
  }

  /**
   * Moves the oldest queued rows past the bound (a batch at least, so the spool gets few large appends) to
   * disk. The batch being written counts towards the bound: rows in memory never exceed `maxQueuedRows`.
   */
  #spillOverflow(): void {
    const excess = this.#queue.length + this.#inFlight - this.#maxQueuedRows;
    if (excess <= 0) return;
    const rows = this.#queue.splice(0, Math.max(excess, Math.min(this.#options.batchSize, this.#queue.length)));
    this.#dropCaptures(rows);
    if (this.#options.spool) {
      void this.#options.spool.append(rows);
      return;
    }
    this.#dropped += rows.length;
    this.#options.logger.error({ rows: rows.length }, 'usage rows dropped because the queue overflowed');
  }

  #holdCapture(capture: PendingCapture): void {
    const bytes = capture.requestBody.length + capture.answer.byteLength;
    if (this.#heldCaptureBytes + bytes > maxHeldCaptureBytes) {
      this.#droppedCaptures++;
      return;
    }
    this.#heldCaptureBytes += bytes;
    this.#captures.set(capture.requestId, capture);
  }

  /** The captures of a batch's rows; undefined (nothing to look up) when no capture is held at all. */
  #capturesOf(rows: readonly UsageRow[]): PendingCapture[] | undefined {
    if (this.#captures.size === 0) return undefined;
    const captures: PendingCapture[] = [];
    for (const row of rows) {
      const capture = this.#captures.get(row.id);
      if (capture !== undefined) captures.push(capture);
    }
    return captures.length === 0 ? undefined : captures;
  }

  /** Forgets the captures of rows that were written (or dropped): they are no longer held. */
  #releaseCaptures(rows: readonly UsageRow[]): void {
    if (this.#captures.size === 0) return;
    for (const row of rows) {
      const capture = this.#captures.get(row.id);
      if (capture === undefined) continue;
      this.#captures.delete(row.id);
      this.#heldCaptureBytes -= capture.requestBody.length + capture.answer.byteLength;
    }
  }

  /** Rows going to the spool lose their captures: captured text is never written to disk unsealed. */
  #dropCaptures(rows: readonly UsageRow[]): void {
    if (this.#captures.size === 0) return;
    const before = this.#captures.size;
    this.#releaseCaptures(rows);
    const dropped = before - this.#captures.size;
    if (dropped === 0) return;
    this.#droppedCaptures += dropped;
    this.#options.logger.warn({ captures: dropped }, 'captures dropped: their usage rows went to the spool, which never holds captured text');
  }

  #replay(): void {
    const { spool } = this.#options;
    if (!spool) return;
    let storeError: { error: unknown } | undefined;
    const deliver = async (rows: UsageRow[]): Promise<void> => {
      try {
        await this.#deliver(rows);
      } catch (error) {
        storeError = { error };
        throw error;
      }
    };
    this.#replaying = spool
      .replay(deliver, this.#options.batchSize, () => this.#closed)
      .then(
        (delivered) => {
          if (delivered > 0) this.#storeWorks();
        },
        (error: unknown) => {
          if (storeError) this.#storeFailed(storeError.error);
          else this.#options.logger.error({ err: error }, 'replaying the usage spool failed');
        },
      )
      .finally(() => {
        this.#replaying = undefined;
      });
  }

  #storeFailed(error: unknown): void {
    this.#options.health?.reportFailure('usage');
    // A tick's write and replay may both fail: the delay grows once per round of attempts, not per failure.
    const now = Date.now();
    if (this.#storeDown && now < this.#nextAttemptAt) return;
    this.#retryDelayMs = this.#storeDown ? Math.min(this.#retryDelayMs * 2, maximumRetryDelayMs) : this.#options.flushIntervalMs;
    this.#nextAttemptAt = now + this.#retryDelayMs;
    if (this.#storeDown) return;
    this.#storeDown = true;
    this.#options.logger.error(
      { err: error, queuedRows: this.#queue.length },
      'usage rows cannot be written; holding them in memory, then in the spool, until the store is back',
    );
  }

  #storeWorks(): void {
    this.#options.health?.reportSuccess('usage');
    if (!this.#storeDown) return;
    this.#storeDown = false;
    this.#retryDelayMs = 0;
    this.#options.logger.info({ ...this.backlog }, 'usage rows reach the store again');
  }
}
