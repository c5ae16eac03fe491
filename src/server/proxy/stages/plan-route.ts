import { embeddingsNeeds, routingNeedsOf } from '../../../routing/routing-needs.js';
import { firstCandidate, type ResolvedCall, type RoutedCall } from '../call-phases.js';
import type { ModelCall } from '../model-call.js';

/**
 * Stage 5 — which targets, in which order: eligibility (what the request needs against what each target
 * can do: tools, images, max output, one shape's own fields, reasoning), cooldowns and the group's policy.
 * 400 `no_eligible_target` naming each target and why it was left out; no upstream call is made.
 */
export async function planRoute(call: ModelCall, resolved: ResolvedCall): Promise<RoutedCall> {
  const { services } = call;
  const { parsed, route } = resolved;
  const { key } = parsed.caller;
  const planned = services.router.plan({
    route,
    operation: call.route.operation,
    needs: parsed.embeddings
      ? () => embeddingsNeeds
      : () => routingNeedsOf({ dialect: call.route.dialect.name, body: parsed.body, coreRequest: parsed.coreRequest, estimateInputTokens: parsed.estimateInputTokens }),
    request: {
      dialect: call.route.dialect.name,
      stream: parsed.inbound.stream,
      estimateInputTokens: parsed.estimateInputTokens,
      keyName: key.name,
      userName: key.userName ?? undefined,
      teamName: key.teamName ?? undefined,
    },
  });
  const plan = planned instanceof Promise ? await planned : planned;
  if (plan.probe !== undefined) call.probeClaim = plan;
  call.policy = plan.policy ?? null;
  if (plan.dropReasoning) {
    call.warnings.push('reasoning was dropped: no target of the group can reason');
    try {
      delete parsed.coreRequest().reasoning;
    } catch {
      // Pass-through bodies the core model cannot hold keep what they asked for.
    }
  }
  call.target = firstCandidate(plan.candidates);
  return { parsed, route, plan };
}
