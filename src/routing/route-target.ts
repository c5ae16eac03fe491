import type { GroupConfig, RoutingPolicyName } from '../config/config-schema.js';
import type { DialectName } from '../domain/dialect-name.js';
import type { GroupLimits } from '../policy/group-limits.js';
import type { GroupContract } from './group-contract.js';
import type { ProviderEntry } from '../domain/provider-entry.js';
import type { TargetTimeouts } from '../domain/timeouts.js';
import type { ResolvedTarget } from './resolve-model.js';

export type { RoutingPolicyName };

/** What a target can do; declared on a group's target, else taken from its provider's entry. */
export interface TargetCapabilities {
  readonly tools: boolean;
  readonly images: boolean;
  readonly reasoning: boolean;
  /** Undefined: no cap known to Sluice. */
  readonly maxOutputTokens: number | undefined;
  readonly contextWindow: number | undefined;
  /** The API shapes the target may be called in, in the provider's order of preference. */
  readonly apis: readonly DialectName[];
  /**
   * Whether the target makes embeddings: declared on a group's target or inferred when the group is built;
   * undefined for a plain model, whose model decides when an embeddings call plans its route
   * (`targetServesEmbeddings`), so a chat call never pays for the question.
   */
  readonly embeddings: boolean | undefined;
}

/** One place a call can go: a provider, the model name sent to it, and what it can do. */
export interface RouteTarget extends ResolvedTarget {
  /** `provider:model`: stable across restarts and instances; keys stats and cooldowns. */
  readonly id: string;
  readonly provider: ProviderEntry;
  readonly upstreamModel: string;
  readonly weight: number;
  /** Position among the group's resolved targets, in config order (0 for a plain model). */
  readonly index: number;
  readonly capabilities: TargetCapabilities;
  /** Its calls' clocks: the group target's `timeouts` over its provider's (a plain model: the provider's). */
  readonly timeouts: TargetTimeouts;
  /** Hidden from callers: the group target's `private`, else its provider's. */
  readonly private: boolean;
}

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
