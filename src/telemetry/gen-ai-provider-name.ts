import type { ProviderEntry } from '../domain/provider-entry.js';

/**
 * `gen_ai.provider.name` of a provider, in the GenAI conventions' well-known values; an OpenAI-compatible
 * server (and the mock) has none of its own, so it goes by the name it is configured under.
 */
export function genAiProviderName(provider: ProviderEntry): string {
  const kind = provider.kind;
  switch (kind) {
    case 'anthropic':
      return 'anthropic';
    case 'openai':
      return 'openai';
    case 'gemini':
      return 'gcp.gemini';
    case 'mistral':
      return 'mistral_ai';
    case 'grok':
      return 'x_ai';
    case 'openai-compatible':
    case 'mock':
      return provider.name;
    default: {
      const _exhaustive: never = kind;
      return _exhaustive;
    }
  }
}
