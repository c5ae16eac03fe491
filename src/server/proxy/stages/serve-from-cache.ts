import { cacheKey, cacheModeOf, cacheTtlMs, partitionOf } from '../../../cache/cache-request.js';
import { answerHeadersOf } from '../answer-headers.js';
import type { ModelCall } from '../model-call.js';
import { serveCachedAnswer } from '../serve-cached-answer.js';
import { serveCachedEmbeddings } from '../serve-cached-embeddings.js';

/**
 * Stage 7 — the response cache, for callers that ask for it (`x-sluice-cache: true`): a hit answers in
 * the caller's shape, streamed or whole, and ends the call; a miss (or `refresh`) goes on and stores the
 * answer if it completes.
 */
export async function serveFromCache(call: ModelCall): Promise<'answered' | undefined> {
  const cacheMode = cacheModeOf(call.request.headers);
  if (!cacheMode) return undefined;
  const { services } = call;
  call.cache = {
    mode: cacheMode,
    ttlMs: cacheTtlMs(call.request.headers),
    key: cacheKey({
      partition: partitionOf(services.cachePartition, call.caller!.key),
      dialect: call.route.dialect.name,
      // A group's answer may come from any of its targets: the entry belongs to the group.
      provider: call.groupName === null ? call.target!.provider.name : 'group',
      upstreamModel: call.groupName ?? call.target!.upstreamModel,
      body: call.body,
      operation: call.embeddingsRequest ? 'embeddings' : undefined,
    }),
  };
  const hit = cacheMode === 'use' ? await services.responseCache.get(call.cache.key) : undefined;
  if (!hit) return undefined;
  const { answer } = hit;
  const embeddings = call.embeddingsRequest;
  // The key holds the operation, so an entry always fits its call; a mismatch is treated as a miss.
  if (answer.kind === 'embeddings') {
    if (!embeddings) return undefined;
    const codec = call.route.dialect.embeddings!;
    serveCachedEmbeddings({ context: call, response: call.response, hit, answer, codec, callerRequest: embeddings, headers: answerHeadersOf(call) });
    return 'answered';
  }
  if (embeddings) return undefined;
  serveCachedAnswer({ context: call, response: call.response, hit, answer, callerRequest: call.coreRequest(), headers: answerHeadersOf(call) });
  return 'answered';
}
