import type { Pool } from 'undici';
import { names, shapes, streamPaceMs, type BenchSettings } from './bench-plan.js';
import { processCpuMilliseconds } from './cpu-time.js';
import { measureStreams, medianTimings } from './stream-timing.js';
import { openPool, type RequestShape, type Scenario, type Target } from './http-target.js';
import { log } from './log.js';
import { runAtFixedRate, type OpenLoopSamples } from './open-loop-latency.js';
import type { BenchResults } from './report.js';
import { median, rotate, summarize } from './statistics.js';
import { measureThroughput } from './throughput.js';

/**
 * A warm-up, then short rounds in rotating order, so that whatever else the machine does in a stretch of
 * the run lands on every target alike; throughput is all calls over all rounds' time. The server's CPU
 * time per call is also kept: unlike req/s it barely moves when something else competes for the cores.
 */
export async function throughputPhase(settings: BenchSettings, scenarios: Scenario[]): Promise<BenchResults['throughput']> {
  const rounds = settings.throughputRounds;
  const roundSeconds = settings.seconds / rounds;
  log(`throughput: ${settings.concurrency} concurrent, warm-up then ${rounds} rounds of ${roundSeconds}s per target`);
  const pools = new Map<string, Pool>(scenarios.map((scenario) => [scenario.name, openPool(scenario.target, settings.concurrency)]));
  const totals = new Map(scenarios.map((scenario) => [scenario.name, { completed: 0, seconds: 0, cpuPerCallByRound: [] as number[] }]));
  try {
    for (const scenario of scenarios) await measureThroughput(pools.get(scenario.name)!, scenario, settings.concurrency, Math.min(2, settings.seconds));
    for (let round = 0; round < rounds; round++) {
      for (const scenario of rotate(scenarios, round)) {
        const cpuBefore = processCpuMilliseconds(scenario.target.pid);
        const measured = await measureThroughput(pools.get(scenario.name)!, scenario, settings.concurrency, roundSeconds);
        const total = totals.get(scenario.name)!;
        total.cpuPerCallByRound.push(((processCpuMilliseconds(scenario.target.pid) - cpuBefore) * 1000) / Math.max(1, measured.completed));
        total.completed += measured.completed;
        total.seconds += measured.seconds;
      }
    }
  } finally {
    await Promise.all([...pools.values()].map((pool) => pool.destroy()));
  }
  const throughput = new Map(
    // CPU per call is the median over rounds: a WAL checkpoint or a major GC lands in one round whole, and
    // would otherwise be charged to whichever scenario happened to be running.
    [...totals].map(([name, total]) => [name, { perSecond: total.completed / total.seconds, cpuMicrosecondsPerCall: median(total.cpuPerCallByRound) }]),
  );
  for (const [name, { perSecond, cpuMicrosecondsPerCall }] of throughput) log(`  ${name}: ${perSecond.toFixed(0)} req/s, ${cpuMicrosecondsPerCall.toFixed(0)} µs CPU per call`);
  return throughput;
}

/**
 * Open loop at the fixed rate, split into rounds in rotating order so drift on a shared machine spreads over
 * every target; one warm pool per scenario, warmed at the same rate first and that warm-up dropped.
 */
export async function latencyPhase(settings: BenchSettings, scenarios: Scenario[]): Promise<BenchResults['latency']> {
  const roundSeconds = settings.seconds / settings.latencyRounds;
  log(`latency: ${settings.rate} req/s open loop, ${settings.latencyRounds} rounds of ${roundSeconds}s per target`);
  const pools = new Map<string, Pool>(scenarios.map((scenario) => [scenario.name, openPool(scenario.target, 256)]));
  const collected = new Map<string, OpenLoopSamples>(scenarios.map((scenario) => [scenario.name, { latencies: [], sendLateness: [] }]));
  try {
    for (const scenario of scenarios) await runAtFixedRate(pools.get(scenario.name)!, scenario, settings.rate, Math.min(1, roundSeconds));
    for (let round = 0; round < settings.latencyRounds; round++) {
      for (const scenario of rotate(scenarios, round)) {
        const samples = await runAtFixedRate(pools.get(scenario.name)!, scenario, settings.rate, roundSeconds);
        const all = collected.get(scenario.name)!;
        all.latencies.push(...samples.latencies);
        all.sendLateness.push(...samples.sendLateness);
      }
    }
  } finally {
    await Promise.all([...pools.values()].map((pool) => pool.destroy()));
  }
  const latency = new Map([...collected].map(([name, samples]) => [name, { latency: summarize(samples.latencies), sendLateness: summarize(samples.sendLateness) }]));
  for (const [name, summary] of latency) log(`  ${name}: p50 ${summary.latency.p50.toFixed(3)} ms, p99 ${summary.latency.p99.toFixed(3)} ms`);
  return latency;
}

/** First byte over streams written back to back (pure overhead), then the relay check over paced ones. */
export async function streamingPhase(settings: BenchSettings, targets: Target[], sluiceTarget: Target) {
  const scenarios = (openAi: RequestShape, anthropic: RequestShape, translated: RequestShape): Scenario[] => [
    ...targets.map((target) => ({ name: `${target.name} openai`, target, shape: openAi })),
    ...targets.map((target) => ({ name: `${target.name} anthropic`, target, shape: anthropic })),
    { name: `${names.translated} openai`, target: sluiceTarget, shape: translated },
  ];
  log(`streaming first byte: ${settings.streamCount} calls per target and shape`);
  const immediate = scenarios(shapes.openAiStream, shapes.anthropicStream, shapes.translatedStream);
  const samples = await measureStreams(immediate, settings.streamCount, settings.streamWarmUp);
  const firstByte = new Map([...samples].map(([name, timings]) => [name, summarize(timings.map((timing) => timing.firstByte))]));
  log(`relay check: streams with events ${streamPaceMs} ms apart`);
  const paced = scenarios(shapes.openAiPacedStream, shapes.anthropicPacedStream, shapes.translatedPacedStream);
  const relay = medianTimings(await measureStreams(paced, 3, 1));
  return { firstByte, relay };
}
