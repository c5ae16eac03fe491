import type { AttemptRecord } from '../../src/usage/attempt-record.js';
import type { UsageRow } from '../../src/usage/usage-row.js';

/** A finished call's usage row as settle-and-record builds it, with the fields a test sets. */
export function syntheticUsageRow(fields: Partial<UsageRow> = {}): UsageRow {
  return {
    id: '01JTESTROW0000000000000000',
    createdAt: Date.now(),
    keyId: 'key-1',
    userName: 'ada',
    teamName: 'research',
    requester: null,
    tags: [],
    inboundDialect: 'openai-chat',
    provider: 'openai',
    requestedModel: 'gpt-4o-mini',
    groupName: null,
    policy: null,
    upstreamModel: 'gpt-4o-mini',
    reportedModel: null,
    stream: false,
    callerProviderKey: false,
    statusCode: 200,
    outcome: 'ok',
    errorCode: null,
    inputTokens: 100,
    outputTokens: 20,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    outputTokensEstimated: false,
    inputTokensEstimated: false,
    cached: false,
    savedCostUsd: null,
    costUsd: null,
    latencyMs: 420,
    timeToFirstByteMs: 180,
    attempts: 1,
    fallback: false,
    queueWaitMs: null,
    attemptTrail: [syntheticAttempt()],
    ...fields,
  };
}

export function syntheticAttempt(fields: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    target: 'openai:gpt-4o-mini',
    provider: 'openai',
    model: 'gpt-4o-mini',
    statusCode: 200,
    errorCode: null,
    retryAfterMs: null,
    timeToFirstByteMs: 150,
    durationMs: 400,
    ...fields,
  };
}
