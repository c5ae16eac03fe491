import type { ModelCall } from './model-call.js';
import { admitCall } from './stages/admit-call.js';
import { authenticateCaller } from './stages/authenticate-caller.js';
import { authorizeCall } from './stages/authorize-call.js';
import { callUpstream } from './stages/call-upstream.js';
import { parseModelRequest } from './stages/parse-model-request.js';
import { planRoute } from './stages/plan-route.js';
import { planUpstreamCall } from './stages/plan-upstream-call.js';
import { resolveTarget } from './stages/resolve-target.js';
import { serveFromCache } from './stages/serve-from-cache.js';

/** A stage either lets the call go on or answers it (a cache hit); refusing is throwing a GatewayError. */
export type StageOutcome = 'answered' | undefined | void;
export type Stage = (call: ModelCall) => StageOutcome | Promise<StageOutcome>;

/**
 * The lifecycle of a model call, in order: this list *is* the lifecycle. Before it, the server has read
 * the body (400 `invalid_json`, 413, 415, 400 nested too deep); after it, whatever happened,
 * `settleAndRecord` queues the usage row and settles limits and budgets.
 *
 *   stage                  ends the call with
 *   authenticate           401 missing / invalid / revoked key
 *   parse and validate     400 naming the field
 *   resolve target         404 unknown model, group or provider
 *   authorize              403 model or group not allowed for the key or its team (a group keeps the targets allowed);
 *                          400 the caller's shape is not among the group's `clients`
 *   plan route             400 no eligible target (tools, images, max output, one shape's fields); cooldowns, policy order
 *   plan upstream call     503 provider has no key; 400 what cannot be translated (for the first candidate)
 *   admit                  429 rate / concurrency / budget of the key, user, team, group or the key's share of it;
 *                          503 budget store unreachable (fail-closed)
 *   cache lookup           — (a hit answers)
 *   call upstream, relay   the attempt loop: retries and fallback until the first content; 502 unreachable,
 *                          504 timeout, 499 caller gone; upstream errors in the caller's shape
 *
 * Validation, resolution and planning come before admission, so a refused request is never charged.
 * Both operations walk this list: an embeddings call (`call.embeddingsRequest` set by the parse stage) is
 * refused in `plan route` when no target makes embeddings, and is never streamed.
 */
export const modelCallStages: ReadonlyArray<{ name: string; run: Stage }> = [
  { name: 'authenticate', run: authenticateCaller },
  { name: 'parse and validate', run: parseModelRequest },
  { name: 'resolve target', run: resolveTarget },
  { name: 'authorize', run: authorizeCall },
  { name: 'plan route', run: planRoute },
  { name: 'plan upstream call', run: planUpstreamCall },
  { name: 'admit', run: admitCall },
  { name: 'cache lookup', run: serveFromCache },
  { name: 'call upstream and relay', run: callUpstream },
];

/** Runs the stages in order until one answers; synchronous stages are not awaited. */
export async function runModelCallStages(call: ModelCall): Promise<void> {
  for (const stage of modelCallStages) {
    const result = stage.run(call);
    const outcome = result instanceof Promise ? await result : result;
    if (outcome === 'answered') return;
  }
}
