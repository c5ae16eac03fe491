import { attemptResults, type AttemptResult } from './label-values.js';

/** How many attempts a target's window keeps; older ones are overwritten. */
export const attemptWindowCapacity = 200;
/** Attempts older than this are left out of a summary, so a target idle for a while does not report old news. */
export const attemptWindowHorizonMs = 5 * 60_000;

/** The last failed attempt of a target: what and when, never the upstream's message (it may quote a key). */
export interface LastAttemptError {
  /** A gateway error code (`upstream_error`, `upstream_timeout`, `upstream_unreachable`…). */
  code: string;
  /** The upstream's HTTP status; null when none came (connection error, timeout). */
  status: number | null;
  /** Epoch milliseconds. */
  at: number;
}

export interface AttemptWindowSummary {
  attempts: number;
  results: Record<AttemptResult, number>;
  /** ok ÷ (ok + error + timeout); null when no attempt had a verdict. Cancelled attempts say nothing of the target. */
  successRate: number | null;
  /** Over attempts that reached a first byte; null when none did. */
  timeToFirstByteMs: { p50: number; p95: number } | null;
}

const resultCodes: ReadonlyMap<AttemptResult, number> = new Map(attemptResults.map((result, index) => [result, index]));

/**
 * A target's recent attempts: the last `attemptWindowCapacity`, each a time, a result and a time to first
 * byte, in preallocated typed arrays, so recording one allocates nothing. Summaries (an admin request, not
 * the request path) read the entries younger than `attemptWindowHorizonMs`.
 */
export class AttemptWindow {
  readonly #at = new Float64Array(attemptWindowCapacity);
  /** NaN: no first byte. */
  readonly #timeToFirstByteMs = new Float64Array(attemptWindowCapacity);
  readonly #result = new Uint8Array(attemptWindowCapacity);
  #next = 0;
  #size = 0;
  #lastError: LastAttemptError | undefined;

  record(at: number, result: AttemptResult, timeToFirstByteMs: number | null, errorCode: string | null, statusCode: number | null): void {
    const slot = this.#next;
    this.#at[slot] = at;
    this.#result[slot] = resultCodes.get(result)!;
    this.#timeToFirstByteMs[slot] = timeToFirstByteMs ?? Number.NaN;
    this.#next = (slot + 1) % attemptWindowCapacity;
    if (this.#size < attemptWindowCapacity) this.#size++;
    if (result === 'error' || result === 'timeout') this.#lastError = { code: errorCode ?? 'upstream_error', status: statusCode, at };
  }

  /** Whether any attempt was ever recorded (the window may since have aged out of the horizon). */
  get recorded(): boolean {
    return this.#size > 0;
  }

  get lastError(): LastAttemptError | undefined {
    return this.#lastError;
  }

  summary(now: number): AttemptWindowSummary {
    const results: Record<AttemptResult, number> = { ok: 0, error: 0, timeout: 0, cancelled: 0 };
    const firstBytes: number[] = [];
    for (let index = 0; index < this.#size; index++) {
      if (now - this.#at[index]! > attemptWindowHorizonMs) continue;
      results[attemptResults[this.#result[index]!]!]++;
      const timeToFirstByteMs = this.#timeToFirstByteMs[index]!;
      if (!Number.isNaN(timeToFirstByteMs)) firstBytes.push(timeToFirstByteMs);
    }
    const judged = results.ok + results.error + results.timeout;
    firstBytes.sort((left, right) => left - right);
    return {
      attempts: judged + results.cancelled,
      results,
      successRate: judged === 0 ? null : results.ok / judged,
      timeToFirstByteMs: firstBytes.length === 0 ? null : { p50: nearestRank(firstBytes, 0.5), p95: nearestRank(firstBytes, 0.95) },
    };
  }
}

/** The nearest-rank percentile of sorted values. */
function nearestRank(sorted: readonly number[], quantile: number): number {
  return sorted[Math.max(0, Math.ceil(quantile * sorted.length) - 1)]!;
}
