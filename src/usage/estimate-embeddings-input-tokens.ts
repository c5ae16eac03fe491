import type { IrEmbeddingsRequest } from '../ir/embeddings-types.js';
import { estimateTokensFromCharacters } from '../domain/token-usage.js';

/**
 * The input tokens of an embeddings request, for token limits and budgets before the call and for a
 * provider that reports none (Gemini): token-id inputs count exactly, text ≈ 4 characters a token.
 */
export function estimateEmbeddingsInputTokens(request: IrEmbeddingsRequest): number {
  let tokens = 0;
  for (const input of request.inputs) {
    tokens += input.type === 'tokens' ? input.tokens.length : estimateTokensFromCharacters(input.text.length);
  }
  return tokens;
}
