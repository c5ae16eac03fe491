import { authorizedTargets, authorizeModel } from '../../../policy/authorize-model.js';
import { refuseGroupClient } from '../../../policy/refuse-group-client.js';
import type { ModelCall } from '../model-call.js';
import { setTarget } from './resolve-target.js';

/**
 * Stage 4 — may this key (and its team) use this model? 403 `model_not_allowed`. A group is allowed by its
 * name (or the alias used); else only the targets the allow-lists name stay candidates. A group whose
 * `clients:` leave out the caller's shape answers 400 `client_not_allowed` (after the allow-lists, so a key
 * that may not use the group learns no more about it).
 */
export function authorizeCall(call: ModelCall): void {
  const resolved = call.resolvedRoute!;
  const key = call.caller!.key;
  if (!resolved.group) {
    authorizeModel(key, call.services.principals, {
      requested: call.inbound!.model,
      provider: call.target!.provider.name,
      upstreamModel: call.target!.upstreamModel,
    });
    return;
  }
  const allowed = authorizedTargets(key, call.services.principals, resolved.requestedName, resolved.group.name, resolved.candidates);
  refuseGroupClient(resolved.group, call.route.dialect.name);
  if (allowed.length !== resolved.candidates.length) {
    call.resolvedRoute = { ...resolved, candidates: allowed };
    setTarget(call, allowed[0]!);
  }
}
