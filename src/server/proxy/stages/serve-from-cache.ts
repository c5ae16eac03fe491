import { cacheKey, cacheModeOf, cacheTtlMs, partitionOf } from '../../../cache/cache-request.js';
import { answerHeadersOf } from '../answer-headers.js';
import type { ModelCall } from '../model-call.js';
import { serveCachedAnswer } from '../serve-cached-answer.js';

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
    }),
  };
  const hit = cacheMode === 'use' ? await services.responseCache.get(call.cache.key) : undefined;
  if (!hit) return undefined;
  serveCachedAnswer({ context: call, response: call.response, hit, callerRequest: call.coreRequest(), headers: answerHeadersOf(call) });
  return 'answered';
}
