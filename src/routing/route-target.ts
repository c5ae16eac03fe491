import type { GroupConfig, RoutingPolicyName } from '../config/config-schema.js';
import type { DialectName } from '../domain/dialect-name.js';
import type { GroupLimits } from '../policy/group-limits.js';
import type { GroupContract } from './group-contract.js';
import type { RouteTarget } from '../domain/route-target.js';

export type { RoutingPolicyName };

/** A model group from the config with its targets resolved against the provider registry. */
export interface ResolvedGroup {
  readonly name: string;
  readonly policy: RoutingPolicyName;
  /** In config order. */
  readonly targets: readonly RouteTarget[];
  readonly retry: RetrySettings;
  readonly timeToFirstTokenMs: number | undefined;
  readonly cooldown: CooldownSettings;
  /** The group's own rate limits, cap and budget, as admission charges them (built once). */
  readonly limits: GroupLimits;
  /** What callers are told about the group in `/v1/models`. */
  readonly contract: GroupContract;
  /** The caller shapes allowed to use the group (`clients:`); undefined: every shape. */
  readonly clients: ReadonlySet<DialectName> | undefined;
  readonly config: GroupConfig;
}

export interface RetrySettings {
  /** Tries of one target, the first included. */
  readonly attempts: number;
  /** A `retry-after` above this is not waited for: fail over instead. */
  readonly maxRetryAfterMs: number;
  /** Whether a timeout is retried on the same target; otherwise the call fails over at once. */
  readonly timeouts: boolean;
}

export interface CooldownSettings {
  /** Failures within `windowMs` that cool a target down for `durationMs`. */
  readonly failures: number;
  readonly windowMs: number;
  readonly durationMs: number;
  /** Cap on a cooldown asked for by `retry-after`. */
  readonly maxDurationMs: number;
}

/** What a request resolved to: a group and its targets, or a plain model as its one candidate. */
export interface ResolvedRoute {
  /** What the caller asked for. */
  readonly requestedName: string;
  readonly group: ResolvedGroup | undefined;
  /** A group's targets in config order (filtered to a pinned provider's), or the plain model. */
  readonly candidates: readonly RouteTarget[];
}

/** Retries for plain models and the default of groups that set none. */
export const defaultRetrySettings: RetrySettings = { attempts: 2, maxRetryAfterMs: 5_000, timeouts: false };
