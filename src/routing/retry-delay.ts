/** openai-node's backoff: 0.5 s doubling per retry, at most 8 s, minus up to a quarter of jitter. */
const initialDelayMs = 500;
const maximumDelayMs = 8_000;

/**
 * How long to wait before retrying the same target: what the upstream asked for (`retry-after`, already
 * checked against `maxRetryAfterMs` by the classifier), else exponential backoff with jitter, capped at
 * `maxRetryAfterMs` too, so a retry never waits longer than the operator allowed.
 *
 * @param retriesDone retries of this target already made (0 before the first retry)
 */
export function retryDelayMs(options: {
  retryAfterMs: number | undefined;
  retriesDone: number;
  maxRetryAfterMs: number;
  random?: () => number;
}): number {
  if (options.retryAfterMs !== undefined) return options.retryAfterMs;
  const backoff = Math.min(initialDelayMs * 2 ** options.retriesDone, maximumDelayMs);
  const jitter = 1 - (options.random ?? Math.random)() * 0.25;
  return Math.min(Math.round(backoff * jitter), options.maxRetryAfterMs);
}
