/** One try of one target within a call: what the attempt loop did, in the order it did it. */
export interface AttemptRecord {
  /** `provider:model`. */
  target: string;
  provider: string;
  model: string;
  /** The upstream's status; null when there was no HTTP answer (connection error, timeout). */
  statusCode: number | null;
  errorCode: string | null;
  retryAfterMs: number | null;
  timeToFirstByteMs: number | null;
  durationMs: number;
}
