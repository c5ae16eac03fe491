import type { Logger } from '../domain/logger.js';
import type { CaptureStore } from '../store/store.js';
import { deleteInBatches, RetentionPasses } from '../support/retention-passes.js';

export interface CaptureRetentionOptions {
  store: CaptureStore;
  logger: Logger;
  /** Captures deleted per statement: small, so the usage writer waiting on the database never waits long. */
  batchSize?: number;
  /** Pause between two statements of a pass, for the same reason. */
  pauseMs?: number;
  clock?: () => number;
}

/**
 * Deletes captures past their retention (each carries its own expiry: `createdAt` + the `retainDays` of the
 * key, team or group it was captured under) in small batches, as usage retention does. Run by the gateway on
 * an interval (`start`), or a pass at a time (`prune`).
 */
export class CaptureRetention {
  readonly #options: Required<Omit<CaptureRetentionOptions, 'logger' | 'store'>> & Pick<CaptureRetentionOptions, 'logger' | 'store'>;
  readonly #passes = new RetentionPasses(() =>
    this.prune()
      .then((deleted) => {
        if (deleted > 0) this.#options.logger.info({ deleted }, 'captures past retention deleted');
      })
      .catch((error: unknown) => this.#options.logger.warn({ err: error }, 'capture retention pass failed; the next one retries')),
  );

  constructor(options: CaptureRetentionOptions) {
    this.#options = { batchSize: 1_000, pauseMs: 50, clock: Date.now, ...options };
  }

  /** One pass: deletes every capture expired by now; resolves with how many. */
  prune(): Promise<number> {
    const now = this.#options.clock();
    return deleteInBatches((limit) => this.#options.store.pruneExpiredCaptures(now, limit), this.#options, this.#passes);
  }

  /** A pass shortly after start, then every `intervalMs`; never keeps the process alive. */
  start(intervalMs: number, firstDelayMs = 60_000): void {
    this.#passes.start(intervalMs, firstDelayMs);
  }

  /** Stops the interval and waits for a pass in progress to end its current statement. */
  stop(): Promise<void> {
    return this.#passes.stop();
  }
}
