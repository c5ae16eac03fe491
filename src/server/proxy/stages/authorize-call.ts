import { authorizedTargets, authorizeModel } from '../../../policy/authorize-model.js';
import { refuseGroupClient } from '../../../policy/refuse-group-client.js';
import { firstCandidate, type ResolvedCall } from '../call-phases.js';
import type { ModelCall } from '../model-call.js';

/**
 * Stage 4 — may this key (and its team) use this model? 403 `model_not_allowed`. A group is allowed by its
 * name (or the alias used); else only the targets the allow-lists name stay candidates. A group whose
 * `clients:` leave out the caller's shape answers 400 `client_not_allowed` (after the allow-lists, so a key
 * that may not use the group learns no more about it).
 */
export function authorizeCall(call: ModelCall, resolved: ResolvedCall): ResolvedCall {
  const { route, parsed } = resolved;
  const { key } = parsed.caller;
  if (!route.group) {
    const target = firstCandidate(route.candidates);
    authorizeModel(key, call.services.principals, { requested: parsed.inbound.model, provider: target.provider.name, upstreamModel: target.upstreamModel });
    return resolved;
  }
  const allowed = authorizedTargets(key, call.services.principals, route.requestedName, route.group.name, route.candidates);
  refuseGroupClient(route.group, call.route.dialect.name);
  if (allowed.length === route.candidates.length) return resolved;
  call.target = firstCandidate(allowed);
  return { parsed, route: { ...route, candidates: allowed } };
}
