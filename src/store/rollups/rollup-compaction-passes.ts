import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AnalyticsStore } from '../analytics-store.js';

/** What a pass tells the gateway: where it moved the mark, or why it failed (the next pass tries again). */
export type RollupCompactionReport = { kind: 'compacted'; from: number; to: number; ms: number } | { kind: 'failed'; message: string };

export interface RollupCompactionPassesOptions {
  /** The store to compact, opened on first use (a store down at start fails that pass, not the passes). */
  store(): Promise<Pick<AnalyticsStore, 'compactRollups' | 'rollupsCompactedUntil'>>;
  /** Pause between the end of one pass and the start of the next. */
  intervalMs: number;
  report(report: RollupCompactionReport): void;
  /** Awaited between two steps of a pass: the usage writer's batches waiting in the same thread go first. */
  betweenSteps?: () => Promise<unknown>;
}

/**
 * Compacts minute rollups into hours and days (`compactRollups`) a step at a time: a pass at once, then one
 * `intervalMs` after each pass ends. It runs in the usage writer's thread, beside its batches: a step is
 * an hour (and the days the mark passes), and between two steps every batch that arrived meanwhile is
 * written, so a long pass (after a stop of hours) delays a batch by one step at most, never by the pass.
 */
export class RollupCompactionPasses {
  readonly #options: RollupCompactionPassesOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: RollupCompactionPassesOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#stopped || this.#running || this.#timer) return;
    this.#running = this.#pass().finally(() => {
      this.#running = undefined;
      if (this.#stopped) return;
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.start();
      }, this.#options.intervalMs);
    });
  }

  /** No step starts after this; resolves once the step under way (if any) has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  async #pass(): Promise<void> {
    const { betweenSteps = () => nextTurn() } = this.#options;
    try {
      const store = await this.#options.store();
      const started = performance.now();
      const from = await store.rollupsCompactedUntil();
      let mark = from;
      while (!this.#stopped) {
        const moved = await store.compactRollups({ maxSteps: 1 });
        if (moved === mark) break;
        mark = moved;
        await betweenSteps();
      }
      if (mark !== from) this.#options.report({ kind: 'compacted', from, to: mark, ms: performance.now() - started });
    } catch (error) {
      this.#options.report({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  }
}
