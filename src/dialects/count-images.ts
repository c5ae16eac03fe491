/**
 * Counts image parts in a request body as it goes upstream, for the row's `image_count`. Each shape says
 * where its messages and their parts are and which part is an image; this walks them without copying.
 * A conversation without images costs one type check per message (string contents are skipped at once).
 */
export function countImagesIn(
  messages: unknown,
  partsOf: (message: Record<string, unknown>) => unknown,
  imagesIn: (part: Record<string, unknown>) => number,
): number {
  if (!Array.isArray(messages)) return 0;
  let images = 0;
  for (const message of messages) {
    if (message === null || typeof message !== 'object') continue;
    const parts = partsOf(message as Record<string, unknown>);
    if (!Array.isArray(parts)) continue;
    for (const part of parts) {
      if (part !== null && typeof part === 'object') images += imagesIn(part as Record<string, unknown>);
    }
  }
  return images;
}
