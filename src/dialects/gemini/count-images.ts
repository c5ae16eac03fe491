import type { JsonObject } from '../wire-facts.js';
import { countImagesIn } from '../count-images.js';

/** `contents[].parts[]` with `inlineData` or `fileData` of an image type (or no type, which Sluice reads as an image). */
export function countGeminiImages(body: JsonObject): number {
  return countImagesIn(body.contents, (content) => content.parts, imagesInPart);
}

function imagesInPart(part: Record<string, unknown>): number {
  const data = part.inlineData ?? part.inline_data ?? part.fileData ?? part.file_data;
  if (data === null || typeof data !== 'object') return 0;
  const fields = data as Record<string, unknown>;
  const mimeType = fields.mimeType ?? fields.mime_type;
  return typeof mimeType !== 'string' || mimeType.startsWith('image/') ? 1 : 0;
}
