import { findProvider, type MatchLogic } from '@pydantic/genai-prices';

/**
 * The model names the pricing catalogue lists for one of its providers: each model's id and every name its
 * match rule accepts exactly (`equals`, also inside `or`/`and`). Prefix and substring rules (`starts_with`,
 * `contains`, `regex`) match names nobody can enumerate, so they add nothing: a bounded label set must be a
 * finite list. Empty for a provider the catalogue does not know.
 */
export function catalogueModelNames(pricingProviderId: string): string[] {
  let models;
  try {
    models = findProvider({ providerId: pricingProviderId })?.models ?? [];
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const model of models) {
    names.push(model.id);
    collectExactNames(model.match, names);
  }
  return names;
}

function collectExactNames(match: MatchLogic, names: string[]): void {
  if ('equals' in match) names.push(match.equals);
  else if ('or' in match) for (const part of match.or) collectExactNames(part, names);
  else if ('and' in match) for (const part of match.and) collectExactNames(part, names);
}
