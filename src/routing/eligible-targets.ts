import { GatewayError } from '../errors/gateway-error.js';
import type { ResolvedRoute } from './route-target.js';
import type { RouteTarget } from '../domain/route-target.js';
import type { RoutingNeeds } from './routing-needs.js';
import { noEmbeddingsReason, targetServesEmbeddings } from './serves-embeddings.js';

export interface TargetExclusion {
  target: RouteTarget;
  /** Human-readable, completing "<target id> …": `takes text only, and the request has images`. */
  reason: string;
  /** The request field that caused it (`messages`, `tools`, `max_tokens`…). */
  param: string;
}

export interface Eligibility {
  /** Candidates that can serve the request, in the order given. */
  eligible: RouteTarget[];
  excluded: TargetExclusion[];
  /**
   * Reasoning was asked for and no eligible target can reason: the caller keeps the targets and drops
   * reasoning with a warning. When some can, the others are excluded instead.
   */
  dropReasoning: boolean;
}

/** Filters candidates by what the request needs, before any upstream call; order is kept. */
export function eligibleTargets(candidates: readonly RouteTarget[], needs: RoutingNeeds): Eligibility {
  const eligible: RouteTarget[] = [];
  const excluded: TargetExclusion[] = [];
  for (const target of candidates) {
    const exclusion = exclusionOf(target, needs);
    if (exclusion) excluded.push(exclusion);
    else eligible.push(target);
  }
  let dropReasoning = false;
  if (needs.reasoning && eligible.length > 0) {
    if (eligible.some((target) => target.capabilities.reasoning)) {
      for (let index = eligible.length - 1; index >= 0; index--) {
        const target = eligible[index]!;
        if (target.capabilities.reasoning) continue;
        eligible.splice(index, 1);
        excluded.push({ target, reason: 'cannot reason, and the request asks for reasoning', param: 'reasoning' });
      }
    } else {
      dropReasoning = true;
    }
  }
  return { eligible, excluded, dropReasoning };
}

function exclusionOf(target: RouteTarget, needs: RoutingNeeds): TargetExclusion | undefined {
  const { capabilities } = target;
  if (needs.operation === 'embeddings') {
    return targetServesEmbeddings(target) ? undefined : { target, reason: noEmbeddingsReason(target), param: 'model' };
  }
  if (needs.requiredShape && !capabilities.apis.includes(needs.requiredShape.dialect)) {
    const { dialect, field } = needs.requiredShape;
    return { target, reason: `does not speak ${dialect}, which '${field}' needs`, param: field };
  }
  if (needs.tools && !capabilities.tools) return { target, reason: 'takes no tools, and the request uses tools', param: 'tools' };
  if (needs.images && !capabilities.images) return { target, reason: 'takes text only, and the request has images', param: 'messages' };
  if (needs.maxOutputTokens !== undefined && capabilities.maxOutputTokens !== undefined && needs.maxOutputTokens > capabilities.maxOutputTokens) {
    return {
      target,
      reason: `allows at most ${capabilities.maxOutputTokens} output tokens, and ${needs.maxOutputTokensField} is ${needs.maxOutputTokens}`,
      param: needs.maxOutputTokensField,
    };
  }
  if (needs.estimatedInputTokens !== undefined && capabilities.contextWindow !== undefined && needs.estimatedInputTokens > capabilities.contextWindow) {
    return {
      target,
      reason: `has a context window of ${capabilities.contextWindow} tokens, and the prompt is about ${needs.estimatedInputTokens}`,
      param: 'messages',
    };
  }
  return undefined;
}

/**
 * The 400 for a request no candidate can serve, in words that name each target and why. A plain model
 * keeps the error it always had (`invalid_request` naming the field); a group answers `no_eligible_target`.
 */
export function noEligibleTargetError(route: ResolvedRoute, excluded: readonly TargetExclusion[]): GatewayError {
  if (!route.group && excluded.length === 1) {
    const [only] = excluded as [TargetExclusion];
    return new GatewayError('invalid_request', `The model '${route.requestedName}' ${only.reason}.`, { param: only.param });
  }
  const name = route.group?.name ?? route.requestedName;
  const reasons = excluded.map((exclusion) => `${exclusion.target.id} ${exclusion.reason}`).join('; ');
  const params = new Set(excluded.map((exclusion) => exclusion.param));
  const param = params.size === 1 ? excluded[0]!.param : 'model';
  return new GatewayError('no_eligible_target', `No target of group '${name}' can serve this request: ${reasons}.`, { param });
}
