import type { DialectName } from './dialect-name.js';
import type { ProviderEntry } from './provider-entry.js';
import type { TargetTimeouts } from './timeouts.js';

/** A model name resolved to the provider that serves it and the name sent upstream. */
export interface ResolvedTarget {
  provider: ProviderEntry;
  /** The model name sent upstream. */
  upstreamModel: string;
}

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
