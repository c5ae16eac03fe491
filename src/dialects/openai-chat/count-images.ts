import type { JsonObject } from '../wire-facts.js';
import { countImagesIn } from '../count-images.js';

/** `messages[].content[]` parts of type `image_url`. */
export function countOpenAiChatImages(body: JsonObject): number {
  return countImagesIn(body.messages, (message) => message.content, (part) => (part.type === 'image_url' ? 1 : 0));
}
