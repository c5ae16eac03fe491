import { authorizeModel } from '../../../policy/authorize-model.js';
import type { ModelCall } from '../model-call.js';

/** Stage 4 — may this key (and its team) use this model? 403 `model_not_allowed`. */
export function authorizeCall(call: ModelCall): void {
  authorizeModel(call.caller!.key, call.services.principals, {
    requested: call.inbound!.model,
    provider: call.target!.provider.name,
    upstreamModel: call.target!.upstreamModel,
  });
}
