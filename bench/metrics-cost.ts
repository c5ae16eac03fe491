import { parseConfig } from '../src/config/load-config.js';
import type { DialectName } from '../src/domain/dialect-name.js';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';
import { buildKnownModels } from '../src/metrics/known-models.js';
import { buildProviderRegistry } from '../src/providers/provider-registry.js';
import { buildRouteGroups } from '../src/routing/build-route-groups.js';
import type { UsageRow } from '../src/domain/usage-row.js';
import { benchUsageRow as row } from './bench-usage-row.js';
import { log } from './log.js';

export interface ScrapeCost {
  /** Provider and model pairs with traffic, each in four dialects, answered and failed. */
  activeModels: number;
  /** Sample lines in the exposition. */
  samples: number;
  /** A whole exposition (`GatewayMetrics.exposition`), ms of wall time, median of the timed scrapes. */
  milliseconds: number;
  /** The same scrapes' CPU time (this process, user + system), ms, median: what the scrape costs when it has a core. */
  cpuMilliseconds: number;
}

export interface MetricsCost {
  /** `recordCall` for one usage row, ns of wall time, mean over the loop. */
  recordNanoseconds: number;
  /** The same loop's CPU time per row, ns. */
  recordCpuNanoseconds: number;
  /** A large deployment (the target's case), then every model the label set allows (its bound). */
  scrapes: ScrapeCost[];
}

/** The target's case: a large deployment, a hundred models in use. */
const largeDeploymentModels = 100;

const dialects: DialectName[] = ['openai-chat', 'anthropic-messages', 'openai-responses', 'gemini'];
const recordedRows = 1_000_000;
const timedScrapes = 20;

/**
 * The metrics' cost on the request path and at a scrape, in the bench process: `recordCall` over a million
 * synthetic rows (a known model, a made-up one, a refusal, a streamed answer with every token type, a
 * fallback: the shapes real calls take), then a scrape of a large deployment's series (a hundred models in
 * use, each in four dialects, answered and failed) and, for information, of every model the label set
 * allows (five providers' catalogue names: the bound on the series count). Targets: ≤ 5 µs per row, ≤ 20 ms
 * for the large deployment's scrape.
 */
export async function metricsCost(): Promise<MetricsCost> {
  const config = parseConfig({ groups: { fast: { policy: 'failover', targets: [{ model: 'openai:gpt-4o-mini' }, { model: 'anthropic:claude-haiku-4-5' }] } } }, {});
  const registry = buildProviderRegistry({
    config,
    env: { OPENAI_API_KEY: 'o', ANTHROPIC_API_KEY: 'a', GEMINI_API_KEY: 'g', MISTRAL_API_KEY: 'm', XAI_API_KEY: 'x' },
    providersWithStoredKeys: new Set(),
  });
  const groups = buildRouteGroups({ groups: config.groups, registry, aliases: new Map(), switchedOffProviders: registry.switchedOffNames(), logger: { warn: () => undefined } as never });
  const metrics = new GatewayMetrics({ readUsageQueue: () => ({ queuedRows: 0, droppedRows: 0 }) });
  metrics.rebuildKnownModels({ registry, aliases: new Map(), groups });

  const shapes = requestShapes();
  for (let index = 0; index < 50_000; index++) metrics.recordCall(shapes[index % shapes.length]!, undefined);
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  for (let index = 0; index < recordedRows; index++) metrics.recordCall(shapes[index % shapes.length]!, index % 8 === 0 ? 'miss' : undefined);
  const cpu = process.cpuUsage(cpuAtStart);
  const recordNanoseconds = ((performance.now() - started) * 1e6) / recordedRows;
  const recordCpuNanoseconds = ((cpu.user + cpu.system) * 1e3) / recordedRows;

  // Models in use, round robin over the providers so each has some; then every model the label set allows.
  const perProvider = [...buildKnownModels({ registry, aliases: new Map(), groups }).byProvider].map(([provider, models]) => [...models].map((model) => ({ provider, model })));
  const everyModel: Array<{ provider: string; model: string }> = [];
  for (let index = 0; perProvider.some((models) => index < models.length); index++) for (const models of perProvider) if (models[index]) everyModel.push(models[index]!);
  const scrapes: ScrapeCost[] = [];
  let active = 0;
  for (const size of [largeDeploymentModels, everyModel.length]) {
    for (; active < size; active++) {
      const { provider, model } = everyModel[active]!;
      for (const inboundDialect of dialects) {
        const answered = row({ provider, upstreamModel: model, inboundDialect, costUsd: 0.001 });
        metrics.recordCall(answered, undefined);
        metrics.recordStoredCosts([answered]);
        metrics.recordCall(row({ provider, upstreamModel: model, inboundDialect, statusCode: 502, outcome: 'error', timeToFirstByteMs: null }), undefined);
      }
    }
    scrapes.push({ activeModels: size, ...(await timeScrapes(metrics)) });
  }
  const result = { recordNanoseconds, recordCpuNanoseconds, scrapes };
  log(
    `metrics: ${recordNanoseconds.toFixed(0)} ns to record a call (CPU ${recordCpuNanoseconds.toFixed(0)} ns); a scrape ` +
      scrapes.map((scrape) => `with ${scrape.activeModels} models in use (${scrape.samples} samples) ${scrape.milliseconds.toFixed(1)} ms (CPU ${scrape.cpuMilliseconds.toFixed(1)} ms)`).join(', '),
  );
  return result;
}

async function timeScrapes(metrics: GatewayMetrics): Promise<{ samples: number; milliseconds: number; cpuMilliseconds: number }> {
  const text = await metrics.exposition();
  const samples = text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
  const durations: number[] = [];
  const cpuTimes: number[] = [];
  for (let scrape = 0; scrape < timedScrapes; scrape++) {
    const started = performance.now();
    const cpuAtStart = process.cpuUsage();
    await metrics.exposition();
    const cpu = process.cpuUsage(cpuAtStart);
    durations.push(performance.now() - started);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
  }
  return { samples, milliseconds: median(durations), cpuMilliseconds: median(cpuTimes) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function requestShapes(): UsageRow[] {
  const attempt = (provider: string, model: string, fields: Partial<UsageRow['attemptTrail'][number]> = {}) => ({
    target: `${provider}:${model}`,
    provider,
    model,
    statusCode: 200,
    errorCode: null,
    retryAfterMs: null,
    timeToFirstByteMs: 120,
    durationMs: 400,
    ...fields,
  });
  return [
    row({}),
    row({ upstreamModel: 'made-up-model', requestedModel: 'made-up-model', attemptTrail: [attempt('openai', 'made-up-model')] }),
    row({ provider: null, upstreamModel: null, requestedModel: 'no-such-model', statusCode: 404, outcome: 'error', attemptTrail: [], timeToFirstByteMs: null, inputTokens: 0, outputTokens: 0 }),
    row({ provider: 'anthropic', upstreamModel: 'claude-haiku-4-5', inboundDialect: 'anthropic-messages', cacheReadTokens: 40, cacheWriteTokens: 10, reasoningTokens: 8, attemptTrail: [attempt('anthropic', 'claude-haiku-4-5')] }),
    row({
      provider: 'anthropic',
      upstreamModel: 'claude-haiku-4-5',
      attemptTrail: [attempt('openai', 'gpt-4o-mini', { statusCode: 503, errorCode: 'upstream_error', timeToFirstByteMs: null }), attempt('anthropic', 'claude-haiku-4-5')],
    }),
  ];
}
