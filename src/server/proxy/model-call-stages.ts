import { admitCall } from './stages/admit-call.js';
import { authenticateCaller } from './stages/authenticate-caller.js';
import { authorizeCall } from './stages/authorize-call.js';
import { callUpstream } from './stages/call-upstream.js';
import { decideCapture } from './stages/decide-capture.js';
import { parseModelRequest } from './stages/parse-model-request.js';
import { planRoute } from './stages/plan-route.js';
import { planUpstreamCall } from './stages/plan-upstream-call.js';
import { resolveTarget } from './stages/resolve-target.js';
import { serveFromCache } from './stages/serve-from-cache.js';
import { stageList } from './stage-list.js';

/**
 * The lifecycle of a model call, in order: this list *is* the lifecycle. Each stage receives what the one
 * before it found (`call-phases.ts`) and returns what it found in turn. Before it, the server has read
 * the body (400 `invalid_json`, 413, 415, 400 nested too deep); after it, whatever happened,
 * `settleAndRecord` queues the usage row and settles limits and budgets.
 *
 *   stage                  returns         ends the call with
 *   authenticate           Caller          401 missing / invalid / revoked key
 *   parse and validate     ParsedRequest   400 naming the field
 *   resolve target         ResolvedCall    404 unknown model, group or provider
 *   authorize              ResolvedCall    403 model or group not allowed for the key or its team (a group keeps the targets allowed);
 *                                          400 the caller's shape is not among the group's `clients`
 *   capture decision       ResolvedCall    403 `x-sluice-capture: true` where no key, team or group captures; 400 a bad value
 *                                          (a captured call's answer is tapped from here on: refusals after it are captured too)
 *   plan route             RoutedCall      400 no eligible target (tools, images, max output, one shape's fields); cooldowns, policy order
 *   plan upstream call     PlannedCall     503 provider has no key; 400 what cannot be translated (for the first candidate)
 *   admit                  AdmittedCall    429 rate / concurrency / budget of the key, user, team, group or the key's share of it;
 *                                          503 budget store unreachable (fail-closed)
 *   cache lookup           AdmittedCall    — (a hit answers)
 *   call upstream, relay   —               the attempt loop: retries and fallback until the first content; 502 unreachable,
 *                                          504 timeout, 499 caller gone; upstream errors in the caller's shape
 *
 * Validation, resolution and planning come before admission, so a refused request is never charged.
 * Both operations walk this list: an embeddings call (`ParsedRequest.embeddings` set by the parse stage) is
 * refused in `plan route` when no target makes embeddings, and is never streamed. Side routes walk
 * shorter lists of the same stages (`count-tokens-route.ts`, `model-routes.ts`).
 */
export const modelCallStages = stageList()
  .then('authenticate', authenticateCaller)
  .then('parse and validate', parseModelRequest)
  .then('resolve target', resolveTarget)
  .then('authorize', authorizeCall)
  .then('capture decision', decideCapture)
  .then('plan route', planRoute)
  .then('plan upstream call', planUpstreamCall)
  .then('admit', admitCall)
  .then('cache lookup', serveFromCache)
  .then('call upstream and relay', callUpstream)
  .build();
