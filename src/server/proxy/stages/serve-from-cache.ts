import type { CacheRule } from '../../../cache/cache-rules.js';
import { cacheKey, cacheModeOf, cacheTtlMs, partitionOf, type CacheMode } from '../../../cache/cache-request.js';
import { answerHeadersOf } from '../answer-headers.js';
import type { AdmittedCall } from '../call-phases.js';
import type { ModelCall } from '../model-call.js';
import { answered, type Answered } from '../stage-list.js';
import { serveCachedAnswer } from '../serve-cached-answer.js';
import { serveCachedEmbeddings } from '../serve-cached-embeddings.js';

/**
 * Stage 7 — the response cache, for callers that ask for it (`x-sluice-cache: true`) and calls a
 * `cache.rules` entry caches (`mode: auto`): a hit answers in the caller's shape, streamed or whole, and
 * ends the call; a miss (or `refresh`) goes on and stores the answer if it completes. A rule with
 * `mode: off` refuses the cache even when asked, and a rule's `maxAgeSeconds` caps the entry's lifetime.
 */
export async function serveFromCache(call: ModelCall, admitted: AdmittedCall): Promise<AdmittedCall | Answered> {
  const { services } = call;
  const { parsed } = admitted;
  const { key } = parsed.caller;
  const target = admitted.first.target;
  const rule = services.cacheRules?.ruleFor(call.groupName, call.requestedModel, target, key);
  const cacheMode = cacheModeFor(call, rule);
  if (!cacheMode) return admitted;
  const askedTtlMs = cacheTtlMs(call.request.headers);
  call.cache = {
    mode: cacheMode,
    ttlMs: rule?.maxAgeMs !== undefined && rule.maxAgeMs < askedTtlMs ? rule.maxAgeMs : askedTtlMs,
    key: cacheKey({
      partition: partitionOf(services.cachePartition, key),
      dialect: call.route.dialect.name,
      // A group's answer may come from any of its targets: the entry belongs to the group.
      provider: call.groupName === null ? target.provider.name : 'group',
      upstreamModel: call.groupName ?? target.upstreamModel,
      body: parsed.body,
      operation: parsed.embeddings ? 'embeddings' : undefined,
    }),
  };
  const hit = cacheMode === 'use' ? await services.responseCache.get(call.cache.key) : undefined;
  if (!hit) return admitted;
  const { answer } = hit;
  const { embeddings } = parsed;
  const codec = call.route.dialect.embeddings;
  // The key holds the operation, so an entry always fits its call; a mismatch is treated as a miss.
  if (answer.kind === 'embeddings') {
    if (!embeddings || !codec) return admitted;
    serveCachedEmbeddings({ context: call, response: call.response, hit, answer, codec, callerRequest: embeddings, headers: answerHeadersOf(call) });
    return answered;
  }
  if (embeddings) return admitted;
  serveCachedAnswer({ context: call, response: call.response, hit, answer, callerRequest: parsed.coreRequest(), headers: answerHeadersOf(call) });
  return answered;
}

/** The caller's header, as the matching rule lets it count (no rule: the header alone, as ever). */
function cacheModeFor(call: ModelCall, rule: CacheRule | undefined): CacheMode | undefined {
  const asked = cacheModeOf(call.request.headers);
  if (rule === undefined) return asked;
  switch (rule.mode) {
    case 'caller':
      return asked;
    case 'auto':
      return asked ?? 'use';
    case 'off':
      // Said only to a caller that asked: one that did not gets the answer it always got.
      call.cacheBypassed = asked !== undefined;
      return undefined;
    default: {
      const _exhaustive: never = rule.mode;
      return _exhaustive;
    }
  }
}

