import type { JsonObject } from '../wire-facts.js';
import { countImagesIn } from '../count-images.js';

/**
 * `input[]` items' `input_image` parts: a message's `content`, or a function call output's `output` when it
 * is a list of parts. A string `input` has none.
 */
export function countResponsesImages(body: JsonObject): number {
  return countImagesIn(body.input, (item) => item.content ?? item.output, (part) => (part.type === 'input_image' ? 1 : 0));
}
