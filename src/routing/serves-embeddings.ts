import type { ProviderEntry } from '../domain/provider-entry.js';
import type { RouteTarget } from '../domain/route-target.js';
import { catalogueSaysEmbeddings } from '../usage/catalogue-embeddings-model.js';

/** Whether the provider has an embeddings API in any shape (Anthropic and xAI do not). */
export function hasEmbeddingsApi(provider: ProviderEntry): boolean {
  for (const shape in provider.embeddingsEndpoints) if (Object.hasOwn(provider.embeddingsEndpoints, shape)) return true;
  return false;
}

/**
 * Whether a model makes embeddings, when no group target says so with `embeddings:`: a provider without an
 * embeddings API never; a model in the provider's `embeddingModels` always; a model it lists as a chat
 * model (`models`) never. Any other name: a self-hosted server (and the mock) makes embeddings with
 * whatever it loaded, so its answer decides; a hosted provider's model must be one the price catalogue
 * prices as embeddings. A chat model is thus refused before any upstream call.
 */
export function servesEmbeddings(provider: ProviderEntry, model: string): boolean {
  if (!hasEmbeddingsApi(provider)) return false;
  if (provider.embeddingModels.includes(model)) return true;
  if (provider.models.includes(model)) return false;
  switch (provider.kind) {
    case 'openai-compatible':
    case 'mock':
      return true;
    case 'openai':
    case 'gemini':
    case 'mistral':
    case 'anthropic':
    case 'grok':
      return catalogueSaysEmbeddings(model, provider.pricingProviderId) === true;
    default: {
      const _exhaustive: never = provider.kind;
      return _exhaustive;
    }
  }
}

/** A target's embeddings capability: what its group declared or inferred, else (a plain model) its model's. */
export function targetServesEmbeddings(target: RouteTarget): boolean {
  return target.capabilities.embeddings ?? servesEmbeddings(target.provider, target.upstreamModel);
}

/** Completes "<target> …" in a refusal: why it cannot take an embeddings call. */
export function noEmbeddingsReason(target: RouteTarget): string {
  return hasEmbeddingsApi(target.provider)
    ? 'makes no embeddings (a chat model; set `embeddings: true` on a group target that does)'
    : `cannot make embeddings: provider '${target.provider.name}' has no embeddings API`;
}
