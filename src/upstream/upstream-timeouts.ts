/**
 * The clocks of an upstream call as the config and the limits write them (`timeouts:` under `upstream`, a
 * provider, a group target, or a key's, user's or team's limits). Every field is optional: an absent one
 * comes from the layer below.
 */
export interface TimeoutSettings {
  /** Streams: from the request to the response headers. */
  firstByteMs?: number | undefined;
  /** Streams: the longest silence between two chunks once the answer has started. */
  idleMs?: number | undefined;
  /** The whole call, first byte to last: a non-streaming call's only clock. */
  totalMs?: number | undefined;
}

/** The clocks of one kind of call, resolved. Undefined: the clock does not run. */
export interface CallTimeouts {
  /** undici's `headersTimeout`; undefined on a non-streaming call, whose first byte is its whole answer. */
  readonly firstByteMs: number | undefined;
  /** undici's `bodyTimeout`; undefined on a non-streaming call. */
  readonly idleMs: number | undefined;
  /** A timer on the attempt; undefined on a stream that sets none (it lasts while bytes flow). */
  readonly totalMs: number | undefined;
}

/** What a target's calls are allowed, resolved once when the registry or the router is built. */
export interface TargetTimeouts {
  readonly stream: CallTimeouts;
  readonly whole: CallTimeouts;
  /** The settings these were resolved from, for a group target to lay its own over. */
  readonly settings: Readonly<TimeoutSettings>;
}

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
