import type { CallTimeouts, TimeoutSettings } from '../domain/timeouts.js';

/**
 * A call's clocks lowered to a ceiling (a key's, user's or team's `timeouts`): each clock is the shorter of
 * the two. A ceiling on the total bounds a stream that had none; the first-byte and idle clocks of a
 * non-streaming call do not run, and a ceiling does not start them.
 */
export function cappedTimeouts(timeouts: CallTimeouts, ceiling: TimeoutSettings): CallTimeouts {
  return {
    firstByteMs: timeouts.firstByteMs === undefined ? undefined : shorter(timeouts.firstByteMs, ceiling.firstByteMs),
    idleMs: timeouts.idleMs === undefined ? undefined : shorter(timeouts.idleMs, ceiling.idleMs),
    totalMs: timeouts.totalMs === undefined ? ceiling.totalMs : shorter(timeouts.totalMs, ceiling.totalMs),
  };
}

function shorter(milliseconds: number, ceiling: number | undefined): number {
  return ceiling === undefined || ceiling >= milliseconds ? milliseconds : ceiling;
}
