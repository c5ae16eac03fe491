import type { RequestShape } from './http-target.js';

/** What one `npm run bench` does; `BENCH_DURATION_SECONDS` shortens or lengthens every timed phase. */
export interface BenchSettings {
  /** Length of each timed phase per target, in seconds. */
  seconds: number;
  concurrency: number;
  /** Rounds the throughput phase is split into, the order of targets rotating between them. */
  throughputRounds: number;
  /** Calls per second offered in the latency phase. */
  rate: number;
  /** Rounds the latency phase is split into, the order of targets rotating between them. */
  latencyRounds: number;
  streamCount: number;
  streamWarmUp: number;
}

export function readSettings(env: NodeJS.ProcessEnv): BenchSettings {
  const seconds = Number(env.BENCH_DURATION_SECONDS ?? 8);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`BENCH_DURATION_SECONDS must be a positive number of seconds, got '${env.BENCH_DURATION_SECONDS}'`);
  }
  return {
    seconds,
    concurrency: 32,
    throughputRounds: 8,
    rate: 500,
    latencyRounds: 4,
    streamCount: Math.max(50, Math.round(seconds * 40)),
    streamWarmUp: 20,
  };
}

export const names = {
  direct: 'upstream (direct)',
  bare: 'bare undici proxy',
  sluice: 'sluice',
  translated: 'sluice, translated',
  failover: 'sluice, failover to a second target',
  noLimits: 'sluice, no limits',
  limits: 'sluice, limits',
  budgets: 'sluice, limits + budgets',
  cacheHit: 'sluice, cache hit',
  redisLimits: 'sluice on Redis, limits',
  redisBudgets: 'sluice on Redis, limits + budgets',
  redisCacheHit: 'sluice on Redis, cache hit',
} as const;

/** Calls sent one at a time per Redis scenario while counting the commands Redis runs. */
export const redisCountedCalls = 200;

/** The fake upstream waits this long before answering in the latency phase. */
export const upstreamDelayMs = 50;
/** In the relay check the fake upstream pauses this long between stream events. */
export const streamPaceMs = 10;

const chat = (content: string, options: { stream?: boolean; model?: string } = {}): RequestShape => ({
  path: '/v1/chat/completions',
  body: JSON.stringify({ model: options.model ?? 'gpt-4o-mini', stream: options.stream ?? false, messages: [{ role: 'user', content }] }),
});
const messages = (content: string): RequestShape => ({
  path: '/v1/messages',
  body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 256, stream: true, messages: [{ role: 'user', content }] }),
});
const delayed = `Hello [[mock {"delayMs":${upstreamDelayMs}}]]`;
const streamed = 'Stream a short answer please';
const paced = `${streamed} [[mock {"chunkDelayMs":${streamPaceMs}}]]`;

export const shapes = {
  /** A short non-streaming OpenAI chat call: the throughput workload. */
  plain: chat('Hello, how are you today?'),
  delayed: chat(delayed),
  openAiStream: chat(streamed, { stream: true }),
  anthropicStream: messages(streamed),
  // The same OpenAI-shaped calls aimed at an Anthropic model: Sluice translates both ways.
  translatedDelayed: chat(delayed, { model: 'claude-haiku-4-5' }),
  // A group whose first target refuses connections: every call fails over to the same upstream as `delayed`.
  failoverDelayed: chat(delayed, { model: 'bench-failover' }),
  translatedStream: chat(streamed, { stream: true, model: 'claude-haiku-4-5' }),
  // Streams whose events come `streamPaceMs` apart: a gateway that held events back would show it here.
  openAiPacedStream: chat(paced, { stream: true }),
  anthropicPacedStream: messages(paced),
  translatedPacedStream: chat(paced, { stream: true, model: 'claude-haiku-4-5' }),
};
