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
