import type { MockUsage } from './mock-answer.js';
import type { Wire } from './wire.js';

/**
 * The usage as the wire can express it, for `sentUsage`: only Anthropic reports cache writes (the others
 * still count them in the input), and Anthropic folds thinking into output without a separate count. Image
 * tokens have no Anthropic field; a billed cost is only written in the OpenAI shapes (OpenRouter's).
 */
export function reportedUsage(wire: Wire, usage: MockUsage): MockUsage {
  const { imageTokens, costUsd, ...counts } = usage;
  if (wire === 'anthropic') return { ...counts, reasoningTokens: 0 };
  return {
    ...counts,
    cacheWriteTokens: 0,
    ...(imageTokens === undefined ? {} : { imageTokens }),
    ...(costUsd === undefined || wire === 'gemini' ? {} : { costUsd }),
  };
}
