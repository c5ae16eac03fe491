import type { JsonObject } from '../wire-facts.js';
import { countImagesIn } from '../count-images.js';

/** `messages[].content[]` blocks of type `image`, and those inside a `tool_result`'s content. */
export function countAnthropicImages(body: JsonObject): number {
  return countImagesIn(body.messages, (message) => message.content, imagesInBlock);
}

function imagesInBlock(block: Record<string, unknown>): number {
  if (block.type === 'image') return 1;
  if (block.type !== 'tool_result' || !Array.isArray(block.content)) return 0;
  let images = 0;
  for (const inner of block.content as unknown[]) {
    if (inner !== null && typeof inner === 'object' && (inner as Record<string, unknown>).type === 'image') images++;
  }
  return images;
}
