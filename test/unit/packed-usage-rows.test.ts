import { describe, expect, it } from 'vitest';
import type { UsageRow } from '../../src/domain/usage-row.js';
import { packUsageRows, unpackUsageRows } from '../../src/usage/packed-usage-rows.js';
import { benchUsageRow } from '../../bench/bench-usage-row.js';

/** Every field set, none null, each a value of its own (so a field read from another's slot shows). */
const everyField: UsageRow = {
  id: '01JROWWITHEVERYFIELD000000',
  createdAt: 1_765_000_000_123,
  keyId: 'key_1',
  userName: 'ada',
  teamName: 'research',
  requester: 'end-user-7',
  tags: ['prod', 'batch', 'prod'],
  runId: 'run-1',
  trialId: 'trial-2',
  inboundDialect: 'anthropic-messages',
  operation: 'embeddings',
  provider: 'anthropic',
  requestedModel: 'big-coder',
  groupName: 'coders',
  policy: 'failover',
  upstreamModel: 'claude-sonnet-4-5',
  reportedModel: 'claude-sonnet-4-5-20250929',
  stream: true,
  callerProviderKey: true,
  statusCode: 201,
  outcome: 'error',
  errorCode: 'upstream_error',
  inputTokens: 1_234,
  outputTokens: 567,
  cacheReadTokens: 89,
  cacheWriteTokens: 10,
  reasoningTokens: 11,
  imageCount: 2,
  imageTokens: 300,
  outputTokensEstimated: true,
  inputTokensEstimated: true,
  cached: true,
  savedCostUsd: 0.25,
  costUsd: 0.012345678901,
  priceSource: 'config',
  priceRates: { request: 0.001, input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75, inputImage: 4 },
  billedCostUsd: 0.0125,
  latencyMs: 812.5,
  timeToFirstByteMs: 130.25,
  attempts: 3,
  fallback: true,
  queueWaitMs: 12.5,
  attemptTrail: [
    { target: 'anthropic:claude-sonnet-4-5', provider: 'anthropic', model: 'claude-sonnet-4-5', statusCode: 429, errorCode: 'upstream_error', retryAfterMs: 1_000, timeToFirstByteMs: null, durationMs: 40.5 },
    { target: 'anthropic:claude-sonnet-4-5', provider: 'anthropic', model: 'claude-sonnet-4-5', statusCode: null, errorCode: 'upstream_unreachable', retryAfterMs: null, timeToFirstByteMs: null, durationMs: 3 },
    { target: 'openai:gpt-4.1', provider: 'openai', model: 'gpt-4.1', statusCode: 200, errorCode: null, retryAfterMs: null, timeToFirstByteMs: 120.5, durationMs: 700 },
  ],
  pricingEpoch: 4,
};

/** As posted: the packed batch through structured clone, its buffers moved. */
function posted(rows: readonly UsageRow[]): UsageRow[] {
  const { packed, transfer } = packUsageRows(rows);
  return unpackUsageRows(structuredClone(packed, { transfer }));
}

describe('packed usage rows', () => {
  it('reads back every field of every row, in order, nulls and empty lists included', () => {
    const plain = benchUsageRow({ id: '01JPLAINROW000000000000000', attemptTrail: [], tags: [], pricingEpoch: 0 });
    const rows = [everyField, plain, benchUsageRow({ id: '01JTHIRD000000000000000000' })];
    const back = posted(rows);
    expect(back).toEqual(rows);
    expect(back.map((row) => row.pricingEpoch)).toEqual([4, 0, undefined]);
    // Copies, not the rows sent: the writer thread prices its own.
    expect(back[0]).not.toBe(rows[0]);
  });

  it('keeps a row with every nullable field null', () => {
    const nulls = benchUsageRow({
      keyId: null,
      provider: null,
      requestedModel: null,
      upstreamModel: null,
      costUsd: null,
      savedCostUsd: null,
      billedCostUsd: null,
      timeToFirstByteMs: null,
      queueWaitMs: null,
      priceSource: null,
      priceRates: null,
    });
    expect(posted([nulls])).toEqual([nulls]);
  });

  it('packs an empty batch', () => {
    expect(posted([])).toEqual([]);
  });
});
