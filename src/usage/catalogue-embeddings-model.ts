import { calcPrice } from '@pydantic/genai-prices';

/** Model names come from callers: the memo is bounded, and cleared when full rather than grown. */
const maximumRemembered = 1024;
const remembered = new Map<string, boolean | undefined>();

/**
 * What the genai-prices catalogue says about a model: true for an embeddings model (priced on input alone,
 * nothing for output), false for a model that generates (an output price), undefined when the catalogue
 * does not know it. A lookup costs tens of microseconds, so each answer is remembered.
 */
export function catalogueSaysEmbeddings(model: string, pricingProviderId: string | undefined): boolean | undefined {
  if (pricingProviderId === undefined) return undefined;
  const key = `${pricingProviderId}:${model}`;
  if (remembered.has(key)) return remembered.get(key);
  const answer = lookUp(model, pricingProviderId);
  if (remembered.size >= maximumRemembered) remembered.clear();
  remembered.set(key, answer);
  return answer;
}

function lookUp(model: string, providerId: string): boolean | undefined {
  try {
    const input = calcPrice({ input_tokens: 1_000_000 }, model, { providerId });
    const output = calcPrice({ output_tokens: 1_000_000 }, model, { providerId });
    if (!input || !output) return undefined;
    return input.total_price > 0 && output.total_price === 0;
  } catch {
    return undefined;
  }
}
