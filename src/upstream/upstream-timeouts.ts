import type { TargetTimeouts, TimeoutSettings } from '../domain/timeouts.js';

/** Time to a stream's headers: what `upstream.timeoutMs` always meant. */
export const defaultFirstByteMs = 30_000;
export const defaultIdleMs = 60_000;
/** A non-streaming call of a slow model (a reasoning model, a long context) takes minutes: the SDKs wait ten. */
export const defaultWholeTotalMs = 600_000;

/**
 * The bottom layer, from `upstream:`. `timeoutMs` is the older name of `timeouts.firstByteMs`; it also
 * bounded the silences inside a stream, so a value above the idle default still raises it (a config that
 * allowed a reasoning model five silent minutes keeps doing so).
 */
export function upstreamTimeoutSettings(upstream: { timeoutMs: number; timeouts?: TimeoutSettings | undefined }): TimeoutSettings {
  const timeouts = upstream.timeouts ?? {};
  return {
    firstByteMs: timeouts.firstByteMs ?? upstream.timeoutMs,
    idleMs: timeouts.idleMs ?? Math.max(defaultIdleMs, upstream.timeoutMs),
    totalMs: timeouts.totalMs,
  };
}

/** `override` laid over `base` field by field, resolved into the clocks of streams and of whole answers. */
export function resolveTimeouts(base: TimeoutSettings, override?: TimeoutSettings): TargetTimeouts {
  const settings: TimeoutSettings = {
    firstByteMs: override?.firstByteMs ?? base.firstByteMs,
    idleMs: override?.idleMs ?? base.idleMs,
    totalMs: override?.totalMs ?? base.totalMs,
  };
  return Object.freeze({
    stream: Object.freeze({
      firstByteMs: settings.firstByteMs ?? defaultFirstByteMs,
      idleMs: settings.idleMs ?? defaultIdleMs,
      totalMs: settings.totalMs,
    }),
    whole: Object.freeze({ firstByteMs: undefined, idleMs: undefined, totalMs: settings.totalMs ?? defaultWholeTotalMs }),
    settings: Object.freeze(settings),
  });
}
