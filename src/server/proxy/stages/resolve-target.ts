import { GatewayError } from '../../../errors/gateway-error.js';
import type { IrRequest } from '../../../ir/ir-types.js';
import { resolveModel } from '../../../routing/resolve-model.js';
import type { ModelCall } from '../model-call.js';

/**
 * Stage 3 — where the call can go: alias, `provider:model`, listed model or prefix (or the provider the
 * route pins), then what the target can take. 404 for an unknown model; 400 when the request needs
 * something the target cannot do (an image to a text-only model), before anything is charged.
 */
export function resolveTarget(call: ModelCall): void {
  const { services, route } = call;
  const model = call.inbound!.model;
  const pinnedProvider = route.pinnedProvider === undefined ? undefined : services.registry.get(route.pinnedProvider);
  if (route.pinnedProvider !== undefined && !pinnedProvider) {
    throw new GatewayError('route_not_found', `No provider named '${route.pinnedProvider}' is configured.`);
  }
  const target = resolveModel(model, { registry: services.registry, aliases: services.aliases, pinnedProvider });
  call.target = target;
  call.provider = target.provider;
  call.upstreamModel = target.upstreamModel;

  if (!target.provider.acceptsImages && hasImages(call.coreRequest())) {
    throw new GatewayError('invalid_request', `The model '${model}' takes text only; remove the images from the request.`, { param: 'messages' });
  }
}

function hasImages(request: IrRequest): boolean {
  return request.messages.some((message) =>
    message.parts.some((part) => part.type === 'image' || (part.type === 'tool-result' && part.content.some((item) => item.type === 'image'))),
  );
}
