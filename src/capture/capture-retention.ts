import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../domain/logger.js';
import type { CaptureStore } from '../store/store.js';

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
  #timer: NodeJS.Timeout | undefined;
  #pass: Promise<void> | undefined;
  #stopped = false;

  constructor(options: CaptureRetentionOptions) {
    this.#options = { batchSize: 1_000, pauseMs: 50, clock: Date.now, ...options };
  }

  /** One pass: deletes every capture expired by now; resolves with how many. */
  async prune(): Promise<number> {
    const now = this.#options.clock();
    let total = 0;
    for (;;) {
      if (this.#stopped) return total;
      const count = await this.#options.store.pruneExpiredCaptures(now, this.#options.batchSize);
      total += count;
      if (count < this.#options.batchSize) return total;
      await sleep(this.#options.pauseMs);
    }
  }

  /** A pass shortly after start, then every `intervalMs`; never keeps the process alive. */
  start(intervalMs: number, firstDelayMs = 60_000): void {
    const run = () => {
      this.#pass ??= this.prune()
        .then((deleted) => {
          if (deleted > 0) this.#options.logger.info({ deleted }, 'captures past retention deleted');
        })
        .catch((error: unknown) => this.#options.logger.warn({ err: error }, 'capture retention pass failed; the next one retries'))
        .finally(() => {
          this.#pass = undefined;
        });
    };
    const first = setTimeout(() => {
      run();
      this.#timer = setInterval(run, intervalMs);
      this.#timer.unref();
    }, firstDelayMs);
    first.unref();
    this.#timer = first;
  }

  /** Stops the interval and waits for a pass in progress to end its current statement. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#timer);
    await this.#pass;
  }
}
