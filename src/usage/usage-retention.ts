import type { AnalyticsStore, PruneTarget } from '../store/analytics-store.js';
import { minuteRollupRetentionMs } from '../store/rollups/rollup-migration.js';
import type { Logger } from '../domain/logger.js';
import { deleteInBatches, RetentionPasses } from '../support/retention-passes.js';

const dayMs = 86_400_000;

export interface UsageRetentionOptions {
  store: AnalyticsStore;
  logger: Logger;
  /** Raw rows (and their attempts) older than this many days are deleted; 0 keeps them. */
  retainDays: number;
  /** Hour and day rollups older than this many days are deleted; 0 keeps them. */
  retainRollupDays: number;
  /** Rows deleted per statement: small, so a writer waiting on the database never waits long. */
  batchSize?: number;
  /** Pause between two statements of a pass, for the same reason. */
  pauseMs?: number;
  clock?: () => number;
}

/**
 * Deletes usage past its retention in small batches: raw rows after `usage.retainDays`, minute rollups
 * after three days (hour and day rollups answer older windows), hour and day rollups after
 * `usage.retainRollupDays`. Run by the gateway on an interval (`start`), or a pass at a time (`prune`).
 */
export class UsageRetention {
  readonly #options: Required<Omit<UsageRetentionOptions, 'logger' | 'store'>> & Pick<UsageRetentionOptions, 'logger' | 'store'>;
  readonly #passes = new RetentionPasses(() =>
    this.prune()
      .then((deleted) => {
        if (Object.keys(deleted).length > 0) this.#options.logger.info({ deleted }, 'usage past retention deleted');
      })
      .catch((error: unknown) => this.#options.logger.warn({ err: error }, 'usage retention pass failed; the next one retries')),
  );

  constructor(options: UsageRetentionOptions) {
    this.#options = { batchSize: 5_000, pauseMs: 50, clock: Date.now, ...options };
  }

  /** What is past retention now, per target; targets kept forever are absent. */
  cutoffs(): Array<{ target: PruneTarget; before: number }> {
    const now = this.#options.clock();
    const cutoffs: Array<{ target: PruneTarget; before: number }> = [{ target: 'minute', before: now - minuteRollupRetentionMs }];
    if (this.#options.retainDays > 0) cutoffs.push({ target: 'rows', before: now - this.#options.retainDays * dayMs });
    if (this.#options.retainRollupDays > 0) {
      const before = now - this.#options.retainRollupDays * dayMs;
      cutoffs.push({ target: 'hour', before }, { target: 'day', before });
    }
    return cutoffs;
  }

  /** One pass over every target; resolves with how many rows (or buckets) each lost. */
  async prune(): Promise<Partial<Record<PruneTarget, number>>> {
    const deleted: Partial<Record<PruneTarget, number>> = {};
    for (const { target, before } of this.cutoffs()) {
      const total = await deleteInBatches((limit) => this.#options.store.pruneUsage({ target, before, limit }), this.#options, this.#passes);
      if (total > 0) deleted[target] = total;
      if (this.#passes.stopped) break;
    }
    return deleted;
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
