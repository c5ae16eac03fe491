import type { MockUsage } from './mock-answer.js';
import type { Wire } from './wire.js';

/**
 * The usage as the wire can express it, for `sentUsage`: only Anthropic reports cache writes (the others
 * still count them in the input), and Anthropic folds thinking into output without a separate count.
 */
export function reportedUsage(wire: Wire, usage: MockUsage): MockUsage {
  if (wire === 'anthropic') return { ...usage, reasoningTokens: 0 };
  return { ...usage, cacheWriteTokens: 0 };
}
