import { setTimeout as sleep } from 'node:timers/promises';
import type { AnalyticsStore } from '../analytics-store.js';

/** What a pass tells the gateway: where it moved the mark, or why it failed (the next pass tries again). */
export type RollupCompactionReport = { kind: 'compacted'; from: number; to: number; ms: number } | { kind: 'failed'; message: string };

export interface RollupCompactionPassesOptions {
  /** The store to compact, opened on first use (a store down at start fails that pass, not the passes). */
  store(): Promise<Pick<AnalyticsStore, 'compactRollups' | 'rollupsCompactedUntil'>>;
  /** Pause between the end of one pass and the start of the next. */
  intervalMs: number;
  report(report: RollupCompactionReport): void;
  /**
   * Awaited between two steps of a pass, given the step's time: by default a pause as long as the step, in
   * which the usage writer's batches have the thread to themselves (see the class).
   */
  betweenSteps?: (stepMs: number) => Promise<unknown>;
}

/**
 * Compacts minute rollups into hours and days (`compactRollups`) a step at a time: a pass at once, then one
 * `intervalMs` after each pass ends. It runs in the usage writer's thread, beside its batches: a step is
 * an hour (and the days the mark passes), and after each step the thread is left to the batches for as long
 * as the step took. So a batch waits for one step at most, never for a pass, and while a long pass runs
 * (a busy day, or hours left by a stop) the writer keeps at least half its thread: rows queued on the
 * request thread during a step are written during the pause after it. (With only a turn of the event loop
 * between steps, one batch got through per step: 79 one-row batches in an 8 s pass over a 166,667-row day.)
 */
export class RollupCompactionPasses {
  readonly #options: RollupCompactionPassesOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  /** Ends a pause between steps at once when the passes stop. */
  readonly #stopping = new AbortController();

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

  /** No step starts after this (a pause between steps ends at once); resolves once the step under way has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  async #pass(): Promise<void> {
    const { signal } = this.#stopping;
    const { betweenSteps = (stepMs: number) => sleep(Math.max(1, stepMs), undefined, { signal }).catch(() => undefined) } = this.#options;
    try {
      const store = await this.#options.store();
      const started = performance.now();
      const from = await store.rollupsCompactedUntil();
      let mark = from;
      while (!this.#stopped) {
        const stepStarted = performance.now();
        const moved = await store.compactRollups({ maxSteps: 1 });
        if (moved === mark) break;
        mark = moved;
        await betweenSteps(performance.now() - stepStarted);
      }
      if (mark !== from) this.#options.report({ kind: 'compacted', from, to: mark, ms: performance.now() - started });
    } catch (error) {
      this.#options.report({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  }
}
