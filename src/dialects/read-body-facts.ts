import type { JsonObject } from './wire-facts.js';

/**
 * Small readers the dialects share for what routing asks of a raw request body. They read in place and
 * build nothing: they run on every request.
 */

/** A body field that is a usable number (a cap of `"100"` or `NaN` counts as none). */
export function finiteNumberAt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** `object[name]` when `object` is an object: reads one level into a nested settings block. */
export function fieldOf(object: unknown, name: string): unknown {
  return object !== null && typeof object === 'object' ? (object as JsonObject)[name] : undefined;
}

const imagePartTypes = new Set(['image', 'image_url', 'input_image']);
/** The body's nesting was bounded when it was read; this bounds the walk on its own as well. */
const maximumScanDepth = 32;

/**
 * An image part anywhere in the body's `field` (its prompt: `messages`, `input`, `contents`), in any shape's
 * spelling (`image_url`, `input_image`, Anthropic `image`, Gemini `inlineData`/`fileData`): a body a
 * decoder refused may mix them, and every one is an image.
 */
export function promptContainsImage(body: JsonObject, field: string): boolean {
  // Depth counts from the body, whose fields sit at depth 1.
  return containsImagePart(body[field], 1);
}

function containsImagePart(value: unknown, depth: number): boolean {
  if (depth > maximumScanDepth || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const item of value) if (containsImagePart(item, depth + 1)) return true;
    return false;
  }
  const object = value as JsonObject;
  if (typeof object.type === 'string' && imagePartTypes.has(object.type)) return true;
  if (isImageData(object.inlineData) || isImageData(object.fileData)) return true;
  for (const key in object) {
    if (Object.hasOwn(object, key) && containsImagePart(object[key], depth + 1)) return true;
  }
  return false;
}

function isImageData(data: unknown): boolean {
  if (data === null || typeof data !== 'object') return false;
  const mimeType = (data as JsonObject).mimeType;
  return typeof mimeType === 'string' && mimeType.startsWith('image/');
}
