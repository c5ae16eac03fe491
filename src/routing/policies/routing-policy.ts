import type { DialectName } from '../../domain/dialect-name.js';
import type { ResolvedGroup, RoutingPolicyName } from '../route-target.js';
import type { RouteTarget } from '../../domain/route-target.js';
import type { RoutingNeeds } from '../routing-needs.js';
import type { TargetStats } from '../target-stats.js';

/** What the request path knows about a call when it plans it; never the messages themselves. */
export interface RequestFacts {
  /** The caller's API shape. */
  dialect: DialectName;
  stream: boolean;
  /** The prompt's token estimate; asked for only by policies that use it (cost, script, external). */
  estimateInputTokens: () => number;
  keyName?: string | undefined;
  userName?: string | undefined;
  teamName?: string | undefined;
}

/**
 * The routing facts a script or a policy service receives (as JSON): enough to choose a target, nothing
 * of the request's content.
 */
export interface RoutingFacts {
  requestedModel: string;
  group: string;
  dialect: DialectName;
  stream: boolean;
  estimatedInputTokens: number;
  maxOutputTokens: number | null;
  needs: { tools: boolean; images: boolean; reasoning: boolean; requiredShape: DialectName | null };
  key: string | null;
  user: string | null;
  team: string | null;
  /** Target ids (`provider:model`) the policy may order, in config order. */
  candidates: string[];
}

export interface PolicyContext {
  group: ResolvedGroup;
  requestedName: string;
  request: RequestFacts;
  /** Undefined when nothing needed checking (every target can take anything this request could ask). */
  needs: RoutingNeeds | undefined;
  stats: TargetStats;
}

/**
 * Orders a group's usable targets for one call: the first is tried first, the rest are the fallbacks in
 * order. A policy may leave targets out (static keeps one). Only script and external policies answer
 * with a promise; the others are synchronous and cost a few microseconds.
 */
export interface RoutingPolicy {
  readonly name: RoutingPolicyName;
  /**
   * Whether targets cooling down are skipped before ordering. Static answers "the first eligible target"
   * whatever its state: there is nowhere else to go.
   */
  readonly skipsCoolingTargets: boolean;
  /** `targets` is non-empty, in config order, and must not be modified. */
  order(targets: readonly RouteTarget[], context: PolicyContext): readonly RouteTarget[] | Promise<readonly RouteTarget[]>;
  close?(): Promise<void>;
}

/** The facts of a call for a script or a policy service. */
export function routingFactsOf(targets: readonly RouteTarget[], context: PolicyContext): RoutingFacts {
  const { request, needs } = context;
  return {
    requestedModel: context.requestedName,
    group: context.group.name,
    dialect: request.dialect,
    stream: request.stream,
    estimatedInputTokens: request.estimateInputTokens(),
    maxOutputTokens: needs?.maxOutputTokens ?? null,
    needs: {
      tools: needs?.tools ?? false,
      images: needs?.images ?? false,
      reasoning: needs?.reasoning ?? false,
      requiredShape: needs?.requiredShape?.dialect ?? null,
    },
    key: request.keyName ?? null,
    user: request.userName ?? null,
    team: request.teamName ?? null,
    candidates: targets.map((target) => target.id),
  };
}
