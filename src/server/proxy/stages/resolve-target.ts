import { GatewayError } from '../../../errors/gateway-error.js';
import { concealmentOf } from '../conceal-private-target.js';
import type { ModelCall } from '../model-call.js';

/**
 * Stage 3 — what the model name stands for: a model group (directly or through aliases) with its targets,
 * or one plain model (alias, `provider:model`, listed model, prefix, or any name on a provider-pinned
 * route). 404 for an unknown model or provider.
 */
export function resolveTarget(call: ModelCall): void {
  const { services, route } = call;
  const pinnedProvider = route.pinnedProvider === undefined ? undefined : services.registry.get(route.pinnedProvider);
  if (route.pinnedProvider !== undefined && !pinnedProvider) {
    throw new GatewayError('route_not_found', `No provider named '${route.pinnedProvider}' is configured.`);
  }
  const resolved = services.router.resolve(call.inbound!.model, pinnedProvider, call.caller!.callerProviderKey !== undefined);
  call.resolvedRoute = resolved;
  call.groupName = resolved.group?.name ?? null;
  call.concealment = concealmentOf(resolved);
  setTarget(call, resolved.candidates[0]!);
}

/** The target a call is about to try: what its answer headers and usage row name. */
export function setTarget(call: ModelCall, target: NonNullable<ModelCall['target']>): void {
  call.target = target;
  call.provider = target.provider;
  call.upstreamModel = target.upstreamModel;
  call.targetPrivate = target.private;
}
