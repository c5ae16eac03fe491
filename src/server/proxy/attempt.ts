import type { RouteTarget } from '../../domain/route-target.js';
import type { AttemptTrace } from '../../telemetry/tracing.js';
import { upstreamTimeoutError } from '../../upstream/upstream-timeout-error.js';
import type { CallTimeouts } from '../../domain/timeouts.js';
import type { AttemptRecord } from '../../domain/attempt-record.js';
import type { ParsedRequest } from './call-phases.js';
import { ClientAbort } from './client-abort.js';
import type { UpstreamPlan } from './upstream-plan.js';

/**
 * One try of one target: it owns the target (through its upstream plan: provider and model are read from
 * there), the request to send, its record in the call's trail, and its own clocks and abort. Made by the
 * attempt loop (`stages/call-upstream.ts`) for each try; the relay reads it and calls `commit` when the
 * answer starts going to the caller.
 */
export class Attempt {
  /** What the row's trail says of this try; pushed onto the call's trail when the attempt is made. */
  readonly record: AttemptRecord;
  readonly startedAt = performance.now();
  /** The attempt's own abort: the caller leaving, a stream missing its time-to-first-token deadline, or the total clock. */
  readonly upstreamAbort = new ClientAbort();
  /** Set when a stream missed its time-to-first-token deadline (the abort that followed is a timeout, not a cut). */
  deadlineMissed = false;
  /** Until the answer starts: 0. */
  timeToFirstByteMs = 0;
  /** The attempt's span, when the call is traced. */
  trace: AttemptTrace | undefined = undefined;
  readonly #deadline: NodeJS.Timeout | undefined;
  readonly #totalClock: NodeJS.Timeout | undefined;

  constructor(
    readonly plan: UpstreamPlan,
    readonly parsed: ParsedRequest,
    /** The target's clocks for this kind of call, lowered to the caller's ceiling. */
    readonly timeouts: CallTimeouts,
    /**
     * Another attempt could follow this one: until the first content nothing reaches the caller (a stream's
     * opening events are held back), and a failure is returned instead of answered.
     */
    readonly canFailOver: boolean,
    /** A stream's time-to-first-token deadline, while another attempt could follow; undefined for none. */
    readonly deadlineMs: number | undefined,
    /** Someone keeps the complete answer (the cache, or the span capturing content): the relay records it. */
    readonly keepsAnswer: boolean,
  ) {
    const { target } = plan;
    this.record = {
      target: target.id,
      provider: target.provider.name,
      model: target.upstreamModel,
      statusCode: null,
      errorCode: null,
      retryAfterMs: null,
      timeToFirstByteMs: null,
      durationMs: 0,
    };
    // The total clock runs until the answer ends, past the first byte: a stream that outlasts it is ended in-band.
    this.#totalClock = timeouts.totalMs === undefined ? undefined : setTimeout(runOutOfTime, timeouts.totalMs, this);
    this.#deadline = deadlineMs === undefined ? undefined : setTimeout(missDeadline, deadlineMs, this);
  }

  get target(): RouteTarget {
    return this.plan.target;
  }

  /** The answer starts going to the caller: the attempt has served, and the first-token deadline no longer runs. */
  commit(): void {
    clearTimeout(this.#deadline);
    this.timeToFirstByteMs = round(performance.now() - this.startedAt);
    this.record.timeToFirstByteMs = this.timeToFirstByteMs;
  }

  /** Stops the attempt's clocks and records how long it took. */
  finish(): void {
    clearTimeout(this.#deadline);
    clearTimeout(this.#totalClock);
    this.record.durationMs = round(performance.now() - this.startedAt);
  }
}

// Timer callbacks take the attempt as an argument: no closure per attempt.
function runOutOfTime(attempt: Attempt): void {
  const totalMs = attempt.timeouts.totalMs ?? 0;
  attempt.upstreamAbort.abort(upstreamTimeoutError(attempt.target.provider.name, 'total', totalMs));
}

function missDeadline(attempt: Attempt): void {
  attempt.deadlineMissed = true;
  attempt.upstreamAbort.abort();
}

export function round(milliseconds: number): number {
  return Math.round(milliseconds * 1000) / 1000;
}
