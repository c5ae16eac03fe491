import { embeddingsNeeds, routingNeedsOf } from '../../../routing/routing-needs.js';
import { estimateEmbeddingsInputTokens } from '../../../usage/estimate-embeddings-input-tokens.js';
import { estimateInputTokens } from '../../../usage/estimate-input-tokens.js';
import type { ModelCall } from '../model-call.js';
import { setTarget } from './resolve-target.js';

/**
 * Stage 5 — which targets, in which order: eligibility (what the request needs against what each target
 * can do: tools, images, max output, one shape's own fields, reasoning), cooldowns and the group's policy.
 * 400 `no_eligible_target` naming each target and why it was left out; no upstream call is made.
 */
export async function planRoute(call: ModelCall): Promise<void> {
  const { services } = call;
  const embeddings = call.embeddingsRequest;
  call.estimateInputTokens = embeddings
    ? () => estimateEmbeddingsInputTokens(embeddings)
    : () => {
        try {
          return estimateInputTokens(call.coreRequest());
        } catch {
          return 0;
        }
      };
  const key = call.caller!.key;
  const planned = services.router.plan({
    route: call.resolvedRoute!,
    operation: call.route.operation,
    needs: embeddings
      ? () => embeddingsNeeds
      : () => routingNeedsOf({ dialect: call.route.dialect.name, body: call.body, coreRequest: call.coreRequest, estimateInputTokens: call.estimateInputTokens }),
    request: {
      dialect: call.route.dialect.name,
      stream: call.inbound!.stream,
      estimateInputTokens: call.estimateInputTokens,
      keyName: key.name,
      userName: key.userName ?? undefined,
      teamName: key.teamName ?? undefined,
    },
  });
  const plan = planned instanceof Promise ? await planned : planned;
  call.routePlan = plan;
  call.policy = plan.policy ?? null;
  if (plan.dropReasoning) {
    call.warnings.push('reasoning was dropped: no target of the group can reason');
    try {
      delete call.coreRequest().reasoning;
    } catch {
      // Pass-through bodies the core model cannot hold keep what they asked for.
    }
  }
  setTarget(call, plan.candidates[0]!);
}
