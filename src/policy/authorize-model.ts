import { GatewayError } from '../errors/gateway-error.js';
import type { KeyRecord } from '../store/store.js';
import { isModelAllowed } from './allow-list.js';
import type { PrincipalView } from './principal-view.js';

export interface ModelChoice {
  /** The name the caller used (an alias counts). */
  requested: string;
  provider: string;
  upstreamModel: string;
}

/**
 * The one rule for who may call what: the key's allow-list and its team's both apply. Every route that
 * names a model (model calls, count_tokens, /v1/models) asks here.
 */
export function modelRefusalFor(key: KeyRecord, principals: PrincipalView, choice: ModelChoice): GatewayError | undefined {
  if (!isModelAllowed(key.allowedModels, choice)) {
    return new GatewayError('model_not_allowed', `This key may not use the model '${choice.requested}'.`, { param: 'model' });
  }
  const team = principals.find('team', key.teamName);
  if (team && !isModelAllowed(team.allowedModels, choice)) {
    return new GatewayError('model_not_allowed', `The team '${team.name}' may not use the model '${choice.requested}'.`, { param: 'model' });
  }
  return undefined;
}

export function authorizeModel(key: KeyRecord, principals: PrincipalView, choice: ModelChoice): void {
  const refusal = modelRefusalFor(key, principals, choice);
  if (refusal) throw refusal;
}
