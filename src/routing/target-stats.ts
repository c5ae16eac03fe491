interface LatencyEstimate {
  ewmaMs: number;
  observedAt: number;
  samples: number;
}

export interface TargetStatsOptions {
  now?: () => number;
  /** Weight of the newest observation in the moving average. */
  smoothing?: number;
  /** An estimate not refreshed for this long is forgotten, so a target once slow gets tried again. */
  lifetimeMs?: number;
}

/**
 * Recent time to first token per target: an exponentially weighted moving average, in process. Routing
 * state, not accounting: each instance learns from its own calls, which is what its own latency is.
 */
export class TargetStats {
  readonly #estimates = new Map<string, LatencyEstimate>();
  readonly #now: () => number;
  readonly #smoothing: number;
  readonly #lifetimeMs: number;

  constructor(options: TargetStatsOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#smoothing = options.smoothing ?? 0.3;
    this.#lifetimeMs = options.lifetimeMs ?? 5 * 60_000;
  }

  observe(targetId: string, timeToFirstTokenMs: number): void {
    if (!Number.isFinite(timeToFirstTokenMs) || timeToFirstTokenMs < 0) return;
    const now = this.#now();
    const estimate = this.#fresh(targetId, now);
    if (!estimate) {
      this.#estimates.set(targetId, { ewmaMs: timeToFirstTokenMs, observedAt: now, samples: 1 });
      return;
    }
    estimate.ewmaMs += this.#smoothing * (timeToFirstTokenMs - estimate.ewmaMs);
    estimate.observedAt = now;
    estimate.samples++;
  }

  /** The moving average, or undefined for a target not observed lately (`now` saves reading the clock per target). */
  timeToFirstTokenMs(targetId: string, now: number = this.#now()): number | undefined {
    return this.#fresh(targetId, now)?.ewmaMs;
  }

  /** The clock the estimates age on. */
  now(): number {
    return this.#now();
  }

  /** For policy scripts: a plain object keyed by target id, with no prototype to trip over. */
  snapshot(targetIds: readonly string[]): Record<string, { timeToFirstTokenMs: number | undefined; samples: number }> {
    const now = this.#now();
    const result = Object.create(null) as Record<string, { timeToFirstTokenMs: number | undefined; samples: number }>;
    for (const id of targetIds) {
      const estimate = this.#fresh(id, now);
      result[id] = { timeToFirstTokenMs: estimate?.ewmaMs, samples: estimate?.samples ?? 0 };
    }
    return result;
  }

  #fresh(targetId: string, now: number): LatencyEstimate | undefined {
    const estimate = this.#estimates.get(targetId);
    if (estimate && now - estimate.observedAt > this.#lifetimeMs) {
      this.#estimates.delete(targetId);
      return undefined;
    }
    return estimate;
  }
}
