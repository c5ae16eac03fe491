import { GatewayError } from '../errors/gateway-error.js';
import type { KeyRecord } from '../domain/key-record.js';
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

/**
 * A model group: the key (and its team) may use it when its allow-list names the group (or the alias the
 * caller used); otherwise only the group's targets it allows by name (`openai:*`) stay candidates. 403
 * when none does.
 */
export function authorizedTargets<Target extends { id: string; provider: { name: string }; upstreamModel: string }>(
  key: KeyRecord,
  principals: PrincipalView,
  requested: string,
  groupName: string,
  targets: readonly Target[],
): readonly Target[] {
  const team = principals.find('team', key.teamName);
  const allows = (allowedModels: readonly string[] | null): ((target: Target) => boolean) => {
    if (allowedModels === null) return () => true;
    // Matches the name the caller used and the group's own name.
    if (isModelAllowed(allowedModels, { requested, provider: '', upstreamModel: groupName })) return () => true;
    return (target) => isModelAllowed(allowedModels, { requested: target.id, provider: target.provider.name, upstreamModel: target.upstreamModel });
  };
  const keyAllows = allows(key.allowedModels);
  const teamAllows = allows(team?.allowedModels ?? null);
  const allowed = targets.filter((target) => keyAllows(target) && teamAllows(target));
  if (allowed.length > 0) return allowed;
  const who = targets.some(keyAllows) ? `The team '${team?.name}'` : 'This key';
  throw new GatewayError('model_not_allowed', `${who} may not use the model group '${requested}'.`, { param: 'model' });
}
