import type { TimeoutSettings } from '../domain/timeouts.js';
import type { LimitSubject } from '../domain/limit-subject.js';

/**
 * The ceiling the key, its user and its team put on a call's upstream clocks: for each clock the shortest
 * any of them sets (their effective limits, so 0 is already gone). Undefined when none sets one, which
 * leaves the attempt loop with its targets' clocks as resolved at start.
 */
export function timeoutCeilingOf(subjects: readonly LimitSubject[]): TimeoutSettings | undefined {
  let ceiling: TimeoutSettings | undefined;
  for (const { limits } of subjects) {
    const timeouts = limits.timeouts;
    if (timeouts === undefined) continue;
    if (ceiling === undefined) {
      ceiling = { ...timeouts };
      continue;
    }
    ceiling.firstByteMs = shortest(ceiling.firstByteMs, timeouts.firstByteMs);
    ceiling.idleMs = shortest(ceiling.idleMs, timeouts.idleMs);
    ceiling.totalMs = shortest(ceiling.totalMs, timeouts.totalMs);
  }
  return ceiling;
}

function shortest(left: number | undefined, right: number | undefined): number | undefined {
  if (left === undefined) return right;
  if (right === undefined) return left;
  return Math.min(left, right);
}
