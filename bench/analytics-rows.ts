import type { DialectName } from '../src/domain/dialect-name.js';
import type { UsageRow } from '../src/domain/usage-row.js';

/**
 * The analytics benches' generated traffic (bench/analytics.ts, bench/usage-writer-cpu.ts): 60 keys, 25 users,
 * 6 teams, 8 models over 3 providers, skewed; requesters, tags, errors, cache hits and routing.
 */

const dayMs = 86_400_000;

/** Deterministic randomness, so both files get the same rows. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An index in [0, count) where low indexes are much likelier (busy keys and popular models dominate). */
function skewed(random: () => number, count: number): number {
  return Math.min(count - 1, Math.floor(count * random() ** 2.5));
}

const models = [
  { provider: 'openai', model: 'gpt-4o-mini', input: 0.15, output: 0.6 },
  { provider: 'anthropic', model: 'claude-sonnet-4-5', input: 3, output: 15 },
  { provider: 'openai', model: 'gpt-4.1', input: 2, output: 8 },
  { provider: 'anthropic', model: 'claude-haiku-4-5', input: 1, output: 5 },
  { provider: 'gemini', model: 'gemini-2.5-flash', input: 0.3, output: 2.5 },
  { provider: 'openai', model: 'o4-mini', input: 1.1, output: 4.4 },
  { provider: 'gemini', model: 'gemini-2.5-pro', input: 1.25, output: 10 },
  { provider: 'anthropic', model: 'claude-opus-4-1', input: 15, output: 75 },
];
/** Model groups: four calls in ten go through one (no random draws, so the other columns stay as they were). */
const groups = ['big-coder', 'fast-chat', 'cheap'];
const teams = ['research', 'platform', 'support', 'growth', 'data', 'mobile'];
const dialects: DialectName[] = ['openai-chat', 'anthropic-messages', 'openai-responses', 'gemini'];
const tagSets = [['prod'], ['prod', 'batch'], ['eval'], ['staging'], ['prod', 'chat'], ['ci']];
const keyCount = 60;
const keys = Array.from({ length: keyCount }, (_unused, index) => ({
  id: `key_bench_${index}`,
  user: `user-${index % 25}`,
  team: teams[index % teams.length]!,
  dialect: dialects[index % dialects.length]!,
}));

/** Row `index` of `total`, spread evenly over the `timelineDays` before `end`, oldest first (as a writer sees them). */
export function generateRow(random: () => number, index: number, total: number, end: number, timelineDays: number): UsageRow {
  const createdAt = Math.floor(end - timelineDays * dayMs + (index * timelineDays * dayMs) / total);
  const key = keys[skewed(random, keyCount)]!;
  const target = models[skewed(random, models.length)]!;
  const roll = random();
  const cached = roll < 0.05;
  const outcome = roll > 0.99 ? 'cancelled' : roll > 0.96 ? 'error' : 'ok';
  const statusCode = outcome === 'cancelled' ? 499 : outcome === 'error' ? (roll > 0.975 ? 502 : 429) : 200;
  const inputTokens = cached ? 0 : 200 + Math.floor(random() * 4_000);
  const outputTokens = cached || outcome === 'error' ? 0 : 20 + Math.floor(random() * 800);
  const costUsd = (inputTokens * target.input + outputTokens * target.output) / 1e6;
  const latencyMs = 80 + random() ** 2 * 6_000;
  const stream = random() < 0.6;
  return {
    id: `01BENCH${String(index).padStart(12, '0')}`,
    createdAt,
    keyId: key.id,
    userName: key.user,
    teamName: key.team,
    requester: random() < 0.7 ? null : `end-user-${Math.floor(random() * 200)}`,
    runId: null,
    trialId: null,
    tags: random() < 0.6 ? [] : tagSets[Math.floor(random() * tagSets.length)]!,
    inboundDialect: random() < 0.8 ? key.dialect : 'openai-chat',
    operation: 'chat',
    provider: target.provider,
    requestedModel: target.model,
    upstreamModel: target.model,
    reportedModel: target.model,
    stream,
    callerProviderKey: false,
    statusCode,
    outcome,
    errorCode: outcome === 'error' ? (statusCode === 429 ? 'upstream_error' : 'upstream_unreachable') : outcome === 'cancelled' ? 'client_closed_request' : null,
    inputTokens,
    outputTokens,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    outputTokensEstimated: false,
    inputTokensEstimated: false,
    imageCount: 0,
    imageTokens: 0,
    cached,
    savedCostUsd: cached ? costUsd : null,
    costUsd: cached ? 0 : costUsd,
    priceSource: 'config',
    priceRates: { request: 0, input: target.input, output: target.output, cacheRead: target.input, cacheWrite: target.input },
    billedCostUsd: null,
    latencyMs,
    timeToFirstByteMs: stream ? latencyMs / 4 : null,
    ...routingOf(index, cached, target, statusCode, stream, latencyMs),
  };
}

/**
 * A row's routing: grouped calls (four in ten) fall back from another target one time in 37 and retry
 * their target one time in 53; upstream time is the latency less a few milliseconds of the gateway's own.
 */
function routingOf(
  index: number,
  cached: boolean,
  target: (typeof models)[number],
  statusCode: number,
  stream: boolean,
  latencyMs: number,
): Pick<UsageRow, 'groupName' | 'policy' | 'attempts' | 'fallback' | 'queueWaitMs' | 'attemptTrail'> {
  const grouped = index % 10 < 4;
  const served = { target: `${target.provider}:${target.model}`, provider: target.provider, model: target.model, statusCode, errorCode: null, retryAfterMs: null, timeToFirstByteMs: stream ? latencyMs / 4 : null };
  const overheadMs = 1 + (index % 7);
  const failed = (failedTarget: (typeof models)[number]) => ({
    target: `${failedTarget.provider}:${failedTarget.model}`,
    provider: failedTarget.provider,
    model: failedTarget.model,
    statusCode: 429,
    errorCode: 'upstream_error',
    retryAfterMs: null,
    timeToFirstByteMs: null,
    durationMs: 40,
  });
  if (cached) return { groupName: grouped ? groups[index % groups.length]! : null, policy: grouped ? 'failover' : null, attempts: 0, fallback: false, queueWaitMs: null, attemptTrail: [] };
  const fallback = grouped && index % 37 === 0;
  const retry = grouped && !fallback && index % 53 === 0;
  const before = fallback ? [failed(models[(models.indexOf(target) + 1) % models.length]!)] : retry ? [failed(target)] : [];
  const servedMs = Math.max(1, latencyMs - overheadMs - 40 * before.length);
  return {
    groupName: grouped ? groups[index % groups.length]! : null,
    policy: grouped ? 'failover' : null,
    attempts: before.length + 1,
    fallback,
    queueWaitMs: null,
    attemptTrail: [...before, { ...served, durationMs: servedMs }],
  };
}
