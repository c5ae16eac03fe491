import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../src/metrics/gateway-metrics.js';
import { buildKnownModels } from '../../src/metrics/known-models.js';
import { attemptResultOf, rateLimitLabelsOf } from '../../src/metrics/label-values.js';
import { parsePrometheusText, sampleValue, type PrometheusSample } from '../helpers/prometheus-text.js';
import { routingWorld } from '../helpers/routing-fixtures.js';
import { syntheticAttempt, syntheticUsageRow } from '../helpers/synthetic-usage-row.js';

const world = () =>
  routingWorld({
    providers: { local: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', models: ['llama-3.1-8b'] } },
    aliases: { haiku: 'anthropic:claude-haiku-4-5', house: 'local:house-model', speedy: 'fast' },
    groups: { fast: { policy: 'failover', targets: [{ model: 'openai:gpt-4o-mini' }, { model: 'anthropic:team-finetune' }] } },
  });

function gatewayMetrics(usage = { queuedRows: 0, droppedRows: 0 }): GatewayMetrics {
  const { registry, aliases, groups } = world();
  const metrics = new GatewayMetrics({ readUsageQueue: () => usage });
  metrics.rebuildKnownModels({ registry, aliases, groups });
  return metrics;
}

async function scrape(metrics: GatewayMetrics): Promise<PrometheusSample[]> {
  return parsePrometheusText(await metrics.exposition());
}

describe('known models', () => {
  it('are the providers\' listed models, the catalogue\'s names for them, alias and group targets', () => {
    const { registry, aliases, groups } = world();
    const known = buildKnownModels({ registry, aliases, groups });
    expect(known.byProvider.get('local')).toEqual(new Set(['llama-3.1-8b', 'house-model']));
    // From the pricing catalogue: its ids and exact names (dated variants included).
    expect(known.byProvider.get('openai')?.has('gpt-4o-mini')).toBe(true);
    expect(known.byProvider.get('openai')?.has('gpt-4o-2024-08-06')).toBe(true);
    expect(known.byProvider.get('anthropic')?.has('team-finetune')).toBe(true);
    expect(known.byProvider.get('anthropic')?.has('claude-haiku-4-5')).toBe(true);
    expect(known.byProvider.get('openai')?.has('constructor')).toBe(false);
    expect(known.targetIds).toEqual(new Set(['openai:gpt-4o-mini', 'anthropic:team-finetune']));
    expect(known.unrouted).toEqual(new Set(['fast', 'haiku', 'house', 'speedy']));
  });
});

describe('labels are bounded', () => {
  it('a known provider and model keep their names; anything else is `other`, nothing resolved is `none`', async () => {
    const metrics = gatewayMetrics();
    metrics.recordCall(syntheticUsageRow(), undefined);
    metrics.recordCall(syntheticUsageRow({ upstreamModel: 'gpt-made-up-7', requestedModel: 'gpt-made-up-7', attemptTrail: [] }), undefined);
    metrics.recordCall(syntheticUsageRow({ provider: 'some-provider', upstreamModel: 'x', attemptTrail: [] }), undefined);
    const refused = { provider: null, upstreamModel: null, statusCode: 404, outcome: 'error' as const, attemptTrail: [] };
    metrics.recordCall(syntheticUsageRow({ ...refused, requestedModel: 'no-such-model' }), undefined);
    metrics.recordCall(syntheticUsageRow({ ...refused, requestedModel: 'speedy' }), undefined);
    metrics.recordCall(syntheticUsageRow({ ...refused, requestedModel: null, statusCode: 401 }), undefined);
    const samples = await scrape(metrics);
    const requests = (provider: string, model: string, statusClass: string) => sampleValue(samples, 'sluice_requests_total', { provider, model, status_class: statusClass });
    expect(requests('openai', 'gpt-4o-mini', '2xx')).toBe(1);
    expect(requests('openai', 'other', '2xx')).toBe(1);
    expect(requests('other', 'other', '2xx')).toBe(1);
    expect(requests('none', 'other', '4xx')).toBe(1);
    expect(requests('none', 'speedy', '4xx')).toBe(1);
    expect(requests('none', 'none', '4xx')).toBe(1);
    expect(samples.filter((sample) => sample.name === 'sluice_requests_total')).toHaveLength(6);
  });

  it('10,000 calls with made-up provider and model names add no series after the first of each kind', async () => {
    const metrics = gatewayMetrics();
    const seriesCount = async () => (await scrape(metrics)).filter((sample) => sample.name.startsWith('sluice_')).length;
    const call = (index: number) => {
      const name = `made-up-${index}`;
      const attempt = syntheticAttempt({ provider: index % 2 ? 'openai' : name, model: name, target: `x:${name}` });
      metrics.recordCall(syntheticUsageRow({ provider: index % 2 ? 'openai' : name, upstreamModel: name, requestedModel: name, attemptTrail: [attempt] }), 'miss');
    };
    for (let index = 0; index < 10; index++) call(index);
    const early = await seriesCount();
    for (let index = 10; index < 10_000; index++) call(index);
    expect(await seriesCount()).toBe(early);
    expect(await metrics.exposition()).not.toContain('made-up');
  });
});

describe('recording a call', () => {
  it('counts tokens by type (zero amounts add no series), cache results, duration and time to first byte', async () => {
    const metrics = gatewayMetrics();
    metrics.recordCall(syntheticUsageRow({ inputTokens: 100, outputTokens: 20, cacheReadTokens: 60, reasoningTokens: 5 }), 'miss');
    metrics.recordCall(syntheticUsageRow({ inputTokens: 50, outputTokens: 10, latencyMs: 2_000, timeToFirstByteMs: null }), 'hit');
    const samples = await scrape(metrics);
    const tokens = (type: string) => sampleValue(samples, 'sluice_tokens_total', { provider: 'openai', model: 'gpt-4o-mini', type });
    expect([tokens('input'), tokens('output'), tokens('cache_read'), tokens('cache_write'), tokens('reasoning')]).toEqual([150, 30, 60, undefined, 5]);
    expect(sampleValue(samples, 'sluice_cache_requests_total', { result: 'hit' })).toBe(1);
    expect(sampleValue(samples, 'sluice_cache_requests_total', { result: 'miss' })).toBe(1);
    const chat = { provider: 'openai', model: 'gpt-4o-mini', dialect: 'openai-chat' };
    expect(sampleValue(samples, 'sluice_request_duration_seconds_count', chat)).toBe(2);
    expect(sampleValue(samples, 'sluice_request_duration_seconds_sum', chat)).toBeCloseTo(2.42, 9);
    expect(sampleValue(samples, 'sluice_request_duration_seconds_bucket', { ...chat, le: '0.5' })).toBe(1);
    expect(sampleValue(samples, 'sluice_time_to_first_byte_seconds_count', chat)).toBe(1);
  });

  it('adds the cost of rows the usage writer stored and priced, by their bounded labels', async () => {
    const metrics = gatewayMetrics();
    metrics.recordStoredCosts([
      syntheticUsageRow({ costUsd: 0.25 }),
      syntheticUsageRow({ costUsd: 0.5 }),
      syntheticUsageRow({ costUsd: null }),
      syntheticUsageRow({ upstreamModel: 'gpt-made-up', costUsd: 0.125 }),
    ]);
    const samples = await scrape(metrics);
    expect(sampleValue(samples, 'sluice_cost_usd_total', { provider: 'openai', model: 'gpt-4o-mini' })).toBe(0.75);
    expect(sampleValue(samples, 'sluice_cost_usd_total', { provider: 'openai', model: 'other' })).toBe(0.125);
  });

  it('counts each attempt by its target and result', async () => {
    const metrics = gatewayMetrics();
    const trail = [
      syntheticAttempt({ statusCode: 503, errorCode: 'upstream_error', timeToFirstByteMs: null }),
      syntheticAttempt({ statusCode: null, errorCode: 'upstream_timeout', timeToFirstByteMs: null }),
      syntheticAttempt({ provider: 'anthropic', model: 'team-finetune', target: 'anthropic:team-finetune' }),
    ];
    metrics.recordCall(syntheticUsageRow({ provider: 'anthropic', upstreamModel: 'team-finetune', attemptTrail: trail }), undefined);
    const samples = await scrape(metrics);
    const attempts = (provider: string, model: string, result: string) => sampleValue(samples, 'sluice_upstream_attempts_total', { provider, model, result });
    expect(attempts('openai', 'gpt-4o-mini', 'error')).toBe(1);
    expect(attempts('openai', 'gpt-4o-mini', 'timeout')).toBe(1);
    expect(attempts('anthropic', 'team-finetune', 'ok')).toBe(1);
  });

  it('names an attempt\'s result from its record', () => {
    expect(attemptResultOf(syntheticAttempt())).toBe('ok');
    expect(attemptResultOf(syntheticAttempt({ statusCode: 500, errorCode: 'upstream_error' }))).toBe('error');
    expect(attemptResultOf(syntheticAttempt({ statusCode: null, errorCode: 'upstream_unreachable', timeToFirstByteMs: null }))).toBe('error');
    expect(attemptResultOf(syntheticAttempt({ statusCode: null, errorCode: 'upstream_timeout', timeToFirstByteMs: null }))).toBe('timeout');
    expect(attemptResultOf(syntheticAttempt({ statusCode: 200, errorCode: 'time_to_first_token_exceeded', timeToFirstByteMs: null }))).toBe('timeout');
    // The last attempt relays the upstream's own error answer: served, but the target failed.
    expect(attemptResultOf(syntheticAttempt({ statusCode: 429, errorCode: null, timeToFirstByteMs: 12 }))).toBe('error');
    // The caller left while it ran.
    expect(attemptResultOf(syntheticAttempt({ statusCode: null, errorCode: null, timeToFirstByteMs: null }))).toBe('cancelled');
  });
});

describe('refusals, cooldowns and the usage queue', () => {
  it('counts refusals by scope and limit from admission\'s reasons, and ignores any other reason', async () => {
    expect(rateLimitLabelsOf('rate_limited.team.tokens_per_minute')).toEqual({ scope: 'team', limit: 'tpm' });
    expect(rateLimitLabelsOf('budget_unavailable')).toBeUndefined();
    const metrics = gatewayMetrics();
    for (const reason of ['rate_limited.key.requests_per_minute', 'rate_limited.key.requests_per_minute', 'concurrency_limited.user', 'budget_exceeded.team']) {
      metrics.recordRateLimited(reason);
    }
    metrics.recordRateLimited(undefined);
    metrics.recordRateLimited('rate_limited.someone-else.requests_per_minute');
    const samples = await scrape(metrics);
    expect(sampleValue(samples, 'sluice_rate_limited_total', { scope: 'key', limit: 'rpm' })).toBe(2);
    expect(sampleValue(samples, 'sluice_rate_limited_total', { scope: 'user', limit: 'concurrency' })).toBe(1);
    expect(sampleValue(samples, 'sluice_rate_limited_total', { scope: 'team', limit: 'budget' })).toBe(1);
    expect(samples.filter((sample) => sample.name === 'sluice_rate_limited_total')).toHaveLength(3);
  });

  it('follows a group target\'s cooldown, ignores other ids, and drops targets a rebuild no longer has', async () => {
    const metrics = gatewayMetrics();
    metrics.setTargetCooldown('openai:gpt-4o-mini', 'cooling');
    metrics.setTargetCooldown('anthropic:team-finetune', 'half-open');
    metrics.setTargetCooldown('openai:made-up', 'cooling');
    let samples = await scrape(metrics);
    expect(sampleValue(samples, 'sluice_target_cooldown', { target: 'openai:gpt-4o-mini' })).toBe(1);
    expect(sampleValue(samples, 'sluice_target_cooldown', { target: 'anthropic:team-finetune' })).toBe(1);
    expect(sampleValue(samples, 'sluice_target_cooldown', { target: 'openai:made-up' })).toBeUndefined();
    metrics.setTargetCooldown('openai:gpt-4o-mini', 'available');
    const other = routingWorld({ groups: { solo: { policy: 'failover', targets: [{ model: 'openai:gpt-4o-mini' }] } } });
    metrics.rebuildKnownModels({ registry: other.registry, aliases: other.aliases, groups: other.groups });
    samples = await scrape(metrics);
    expect(samples.filter((sample) => sample.name === 'sluice_target_cooldown').map((sample) => [sample.labels.target, sample.value])).toEqual([['openai:gpt-4o-mini', 0]]);
  });

  it('reads the usage queue and the dropped rows from the writer at scrape time', async () => {
    const usage = { queuedRows: 7, droppedRows: 0 };
    const metrics = gatewayMetrics(usage);
    expect(sampleValue(await scrape(metrics), 'sluice_usage_rows_queued')).toBe(7);
    usage.queuedRows = 0;
    usage.droppedRows = 3;
    let samples = await scrape(metrics);
    expect(sampleValue(samples, 'sluice_usage_rows_queued')).toBe(0);
    expect(sampleValue(samples, 'sluice_usage_rows_dropped_total')).toBe(3);
    usage.droppedRows = 5;
    samples = await scrape(metrics);
    expect(sampleValue(samples, 'sluice_usage_rows_dropped_total')).toBe(5);
  });

  it('keeps each gateway\'s numbers in its own registry', async () => {
    const first = gatewayMetrics();
    const second = gatewayMetrics();
    first.recordCall(syntheticUsageRow(), undefined);
    expect(sampleValue(await scrape(first), 'sluice_requests_total', { model: 'gpt-4o-mini' })).toBe(1);
    expect(sampleValue(await scrape(second), 'sluice_requests_total', { model: 'gpt-4o-mini' })).toBeUndefined();
  });
});
