/**
 * Fields of OpenAI's request bodies (Chat Completions and Responses alike) that do not change the answer:
 * the model (the cache key holds the resolved one), how the answer is delivered, and who asked.
 */
export const openAiCacheIgnoredFields: ReadonlySet<string> = new Set([
  'model',
  'stream',
  'stream_options',
  'user',
  'metadata',
  'safety_identifier',
  'prompt_cache_key',
  'client_metadata',
  'store',
]);
