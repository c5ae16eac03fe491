/**
 * One upstream attempt of a call: each try of each target, in the order they were made, whether it
 * failed, was retried, failed over or served the answer. Stored in `usage_attempts`, one row per attempt.
 */
export interface AttemptRecord {
  /** `provider:model`, the target's id in routing and in `x-sluice-route`. */
  target: string;
  provider: string;
  /** The model name sent upstream. */
  model: string;
  /** The upstream's HTTP status; null when no HTTP answer came (connection error, timeout, client gone). */
  statusCode: number | null;
  /** Why the attempt failed (a gateway error code such as `upstream_timeout`); null when it served the answer. */
  errorCode: string | null;
  /** What the upstream's `retry-after-ms` / `retry-after` asked for, in milliseconds; null when it sent none. */
  retryAfterMs: number | null;
  /** From sending the attempt to its first response byte; null when none arrived. */
  timeToFirstByteMs: number | null;
  /** From sending the attempt to its end (failure, or the answer's last byte). */
  durationMs: number;
}
