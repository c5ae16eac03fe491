import { GatewayError } from '../errors/gateway-error.js';

/** Which of an upstream call's clocks ran out (see upstream-timeouts.ts). */
export type TimeoutClock = 'firstByte' | 'idle' | 'total';

/**
 * The 504 for a clock that ran out. The caller sees `upstream_timeout`, as every timeout always was; the
 * message names the clock and its setting, and the reason — the usage row's and the attempt's error code —
 * tells the clocks apart: `upstream_timeout.first_byte`, `upstream_timeout.idle`, `upstream_timeout.total`.
 */
export function upstreamTimeoutError(provider: string, clock: TimeoutClock, milliseconds: number, cause?: unknown): GatewayError {
  const options = { reason: timeoutReasons[clock], cause };
  switch (clock) {
    case 'firstByte':
      return new GatewayError('upstream_timeout', `The upstream provider '${provider}' sent no first byte within ${milliseconds} ms (timeouts.firstByteMs).`, options);
    case 'idle':
      return new GatewayError('upstream_timeout', `The upstream provider '${provider}' stream was idle for ${milliseconds} ms (timeouts.idleMs).`, options);
    case 'total':
      return new GatewayError('upstream_timeout', `The upstream provider '${provider}' did not finish within ${milliseconds} ms (timeouts.totalMs).`, options);
    default: {
      const _exhaustive: never = clock;
      return _exhaustive;
    }
  }
}

export const timeoutReasons = {
  firstByte: 'upstream_timeout.first_byte',
  idle: 'upstream_timeout.idle',
  total: 'upstream_timeout.total',
} as const satisfies Record<TimeoutClock, string>;
