import { GatewayError } from '../../../errors/gateway-error.js';
import { firstCandidate, type ParsedRequest, type ResolvedCall } from '../call-phases.js';
import { concealmentOf } from '../conceal-private-target.js';
import type { ModelCall } from '../model-call.js';

/**
 * Stage 3 — what the model name stands for: a model group (directly or through aliases) with its targets,
 * or one plain model (alias, `provider:model`, listed model, prefix, or any name on a provider-pinned
 * route). 404 for an unknown model or provider.
 */
export function resolveTarget(call: ModelCall, parsed: ParsedRequest): ResolvedCall {
  const { services, route } = call;
  const pinnedProvider = route.pinnedProvider === undefined ? undefined : services.registry.get(route.pinnedProvider);
  if (route.pinnedProvider !== undefined && !pinnedProvider) {
    throw new GatewayError('route_not_found', `No provider named '${route.pinnedProvider}' is configured.`);
  }
  const resolved = services.router.resolve(parsed.inbound.model, pinnedProvider, parsed.caller.callerProviderKey !== undefined);
  call.groupName = resolved.group?.name ?? null;
  call.concealment = concealmentOf(resolved);
  call.target = firstCandidate(resolved.candidates);
  return { parsed, route: resolved };
}
