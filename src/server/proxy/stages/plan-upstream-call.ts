import { firstCandidate, type PlannedCall, type RoutedCall } from '../call-phases.js';
import type { ModelCall } from '../model-call.js';
import { upstreamPlanFor } from '../plan-upstream-request.js';

/**
 * Stage 6 — how to call the first candidate (`plan-upstream-request.ts`): its credential and API shape,
 * pass-through or translated. Runs before admission because it can still refuse the request (503 no
 * credential, 400 what cannot be translated), and a refused request must not use up anyone's limits.
 */
export function planUpstreamCall(call: ModelCall, routed: RoutedCall): PlannedCall {
  const { parsed, route, plan } = routed;
  const first = upstreamPlanFor(call, parsed, firstCandidate(plan.candidates));
  return { parsed, route, plan, first };
}
