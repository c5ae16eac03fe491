import type { AttemptRecord } from '../../src/domain/attempt-record.js';
import type { UsageRow } from '../../src/domain/usage-row.js';

/**
 * A plain, successful, unpriced, non-streamed OpenAI chat call with no identity and no attempts: the
 * neutral row every test starts from, naming only the fields it is about.
 */
export function testUsageRow(id: string, overrides: Partial<UsageRow> = {}): UsageRow {
  return {
    id,
    createdAt: Date.now(),
    keyId: null,
    userName: null,
    teamName: null,
    requester: null,
    tags: [],
    runId: null,
    trialId: null,
    inboundDialect: 'openai-chat',
    operation: 'chat',
    provider: 'openai',
    requestedModel: 'gpt-4o-mini',
    upstreamModel: 'gpt-4o-mini',
    reportedModel: null,
    stream: false,
    callerProviderKey: false,
    statusCode: 200,
    outcome: 'ok',
    errorCode: null,
    inputTokens: 1,
    outputTokens: 1,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    outputTokensEstimated: false,
    inputTokensEstimated: false,
    imageCount: 0,
    imageTokens: 0,
    cached: false,
    savedCostUsd: null,
    costUsd: null,
    priceSource: null,
    priceRates: null,
    billedCostUsd: null,
    latencyMs: 1,
    timeToFirstByteMs: null,
    groupName: null,
    policy: null,
    attempts: 1,
    fallback: false,
    queueWaitMs: null,
    attemptTrail: [],
    ...overrides,
  };
}

/** One attempt at `provider:model` that answered 200. */
export function testAttempt(target: string, overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  const [provider = '', model = ''] = target.split(':');
  return { target, provider, model, statusCode: 200, errorCode: null, retryAfterMs: null, timeToFirstByteMs: null, durationMs: 1, ...overrides };
}
