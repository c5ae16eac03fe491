import type { CooldownSettings } from './route-target.js';

export type { CooldownSettings };

/**
 * Where a target stands: `available`; `cooling` until its deadline (or while another caller probes it);
 * `half-open` once the deadline has passed and nobody has claimed the probe yet.
 */
export type CooldownStatus = 'available' | 'cooling' | 'half-open';

/** The answer to a probe claim: this caller probes, or someone else does (cooling), or it has recovered. */
export type ProbeClaim = 'probe' | 'cooling' | 'available';

export interface CooldownState {
  /** When the target may be tried again, on the store's clock (epoch ms); undefined when never cooled. */
  deadline: number | undefined;
  /** Failures counted in the current window (0 once a deadline is set). */
  failures: number;
}

/**
 * Which targets are skipped for now, shared by every call (and, on Redis, by every instance).
 *
 * - `failures` failures within `windowMs` cool a target down for `durationMs`; a `retry-after` or a bad
 *   provider key cools it at once.
 * - A deadline only ever moves later: a failure while cooling, a longer `retry-after`, a failed probe all
 *   extend it; nothing shortens it (a success from a call that started before the cooldown is ignored).
 * - When the deadline passes the target is half-open: exactly one caller wins `claimProbe` and tries it,
 *   the others still skip it. The probe's success clears everything; its failure sets a new deadline;
 *   a probe that ends neither way (the caller left) is released, or expires after its lease.
 *
 * `status` is synchronous on every implementation (the Redis one reads a local mirror), so planning a
 * call costs no round trip unless a probe is claimed. Writes happen after attempts, off the caller's path.
 */
export interface Cooldowns {
  status(targetId: string): CooldownStatus;
  /** Atomically: the one caller that gets to probe a half-open target, for at most `leaseMs`. */
  claimProbe(targetId: string, leaseMs: number): ProbeClaim | Promise<ProbeClaim>;
  /** A failure that counts toward `settings.failures`, or extends the deadline of a target already cooled. */
  recordFailure(targetId: string, settings: CooldownSettings): Promise<CooldownState>;
  /** The upstream said when to come back (`retry-after`): cool until then, at most `settings.maxDurationMs`. */
  coolFor(targetId: string, durationMs: number, settings: CooldownSettings): Promise<CooldownState>;
  /** 401/403 with the gateway's own provider key: the target is broken, not the request. */
  coolBadCredential(targetId: string, settings: CooldownSettings): Promise<CooldownState>;
  /** A success: clears a target whose deadline has passed (the probe); changes nothing before the deadline. */
  recordSuccess(targetId: string): Promise<void>;
  /** Gives a claimed probe back without a verdict (the caller went away before trying it). */
  releaseProbe(targetId: string): Promise<void>;
  close?(): Promise<void>;
}
