import { names, streamPaceMs, upstreamDelayMs, type BenchSettings } from './bench-plan.js';
import type { StreamTiming } from './stream-timing.js';
import type { MemoryReading } from './processes.js';
import type { LatencySummary } from './statistics.js';

export interface BenchResults {
  date: string;
  node: string;
  machine: string;
  settings: BenchSettings;
  /** `foreignCores`: CPU other processes took during the run, in cores (1 = one core fully busy). */
  machineLoad: { loadAverageAtStart: number; foreignCores: number };
  /** By target name: completed calls per second over all rounds, and the server's own CPU per call. */
  throughput: Map<string, { perSecond: number; cpuMicrosecondsPerCall: number }>;
  /** By scenario name (the three targets and Sluice translating). */
  latency: Map<string, { latency: LatencySummary; sendLateness: LatencySummary }>;
  /** By scenario name: `<target> openai`, `<target> anthropic`. */
  firstByte: Map<string, LatencySummary>;
  /** By scenario name as `firstByte`: median timings of streams whose events come `streamPaceMs` apart. */
  relay: Map<string, StreamTiming>;
  memory: { name: string; idle: MemoryReading; afterLoad: MemoryReading }[];
  usage: { callsSent: number; rowsWritten: number; stopMs: number };
}

interface Verdict {
  target: string;
  measured: string;
  passed: boolean | undefined;
}

const milliseconds = (value: number | undefined) => (value === undefined ? '–' : value.toFixed(3));
const signed = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(3)}`;
const table = (header: string[], rows: string[][]) =>
  [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');

/** BENCHMARKS.md: what was measured, how, and each target with pass or miss. */
export function renderReport(results: BenchResults): string {
  const { settings } = results;
  return `# Benchmarks

Command: \`npm run bench\` (phases of ${settings.seconds} s; \`BENCH_DURATION_SECONDS\` changes that). Run ${results.date},
Node ${results.node}, ${results.machine}, shared by the load generator and all three servers: absolute
numbers are noise, the comparisons side by side in one run are what matter. Other processes took
${results.machineLoad.foreignCores.toFixed(2)} cores on average while it ran (load average ${results.machineLoad.loadAverageAtStart.toFixed(2)} at the start).

- **${names.direct}**: the project's fake provider (\`src/mock/\`), in its own process.
- **${names.bare}**: \`bench/bare-proxy.ts\`, node:http reading the request body, one keep-alive undici
  Agent, the answer piped back as it comes: the floor for a Node gateway.
- **${names.sluice}**: \`sluice serve\` as users run it: key authentication (checked: a call without a key gets 401),
  rate limits counted (the bench key's cap is out of reach), model resolution, pass-through edits, usage rows
  written to SQLite by a worker, stream taps reading usage.
- **${names.translated}**: Sluice answering OpenAI-shaped calls from an Anthropic model (translation both ways).

## Targets (against the bare proxy in the same run)

${table(['target', 'measured', 'verdict'], verdicts(results).map((verdict) => [verdict.target, verdict.measured, verdict.passed === undefined ? '–' : verdict.passed ? 'pass' : '**miss**']))}

## Throughput: ${settings.concurrency} concurrent, non-streaming chat completions

${throughputTable(results)}

## Latency: open loop at ${settings.rate} req/s, upstream answers after ${upstreamDelayMs} ms

${latencyTable(results)}

## Streaming: time to first body byte, sequential calls

${firstByteTable(results)}

Relay check: the upstream sends its events ${streamPaceMs} ms apart; first and last byte, median of 3 calls (ms).
A gateway that held events back would show a first byte near the last.

${relayTable(results)}

## Memory (resident set, MiB)

${table(
  ['process', 'idle, after start', 'after the run', 'peak'],
  results.memory.map((reading) => [reading.name, `${reading.idle.residentMiB}`, `${reading.afterLoad.residentMiB}`, `${reading.afterLoad.peakResidentMiB}`]),
)}

Usage logging: ${results.usage.rowsWritten} rows written for ${results.usage.callsSent} calls sent to Sluice (the 401 check adds
one row when rejected calls are logged); a clean stop, flushing the queue, took ${results.usage.stopMs.toFixed(0)} ms.

## Method

- Every server runs in its own process; the load generator (undici Pools) in the bench process.
- The bare proxy reads the request body whole, then forwards it. Runs before 2026-11-22 19:00 streamed
  it into undici instead, a slower floor (~30 µs more CPU per call, several ms more p99), so their
  ratios against it are not comparable with these.
- Throughput: closed loop, ${settings.concurrency} callers over keep-alive connections, short non-streaming chat
  completions; a warm-up per target, then ${settings.throughputRounds} rounds of ${settings.seconds / settings.throughputRounds} s per target in rotating order, req/s = all
  calls over all rounds' time. CPU per call is the server process's own user + system time
  (/proc/<pid>/stat, all threads) over the rounds divided by the calls it answered; for the proxies it
  excludes the upstream's share. On 2 cores shared with the generator and the upstream, req/s ratios
  are diluted by their CPU; the CPU ratio is what a dedicated core per proxy would give.
- Machine load: CPU time the whole machine used (/proc/stat) minus what the bench and its three servers
  used, over the run.
- Latency: open loop at ${settings.rate} req/s: call *i* is due at start + *i*/rate whatever happened before, and is
  timed from when it was *due* to its last byte, so a stall cannot hide by delaying later calls (no
  coordinated omission). The fake upstream waits ${upstreamDelayMs} ms (\`[[mock {"delayMs":${upstreamDelayMs}}]]\`). ${settings.latencyRounds} rounds
  of ${settings.seconds / settings.latencyRounds} s per scenario in rotating order over warm connections, after a dropped warm-up. "Added" =
  a target's percentile minus the direct upstream's in the same run; the generator's own timer lateness
  is in both and cancels. A p99 rests on the slowest 1% of calls and moves by a few ms from run to run:
  run twice before reading a pass or a miss into it.
- Streaming first byte: ${settings.streamCount} calls per target and shape (after ${settings.streamWarmUp} dropped), one at a time,
  interleaved call by call across targets; time from sending to the first body byte. The upstream writes
  its events back to back here, so the number is pure overhead; the relay check, with events spaced out,
  shows that the first byte is not waiting for the rest.
- Memory: VmRSS and VmHWM from /proc, right after start and after the run.
`;
}

function verdicts(results: BenchResults): Verdict[] {
  const throughputOf = (name: string) => results.throughput.get(name)?.perSecond ?? Number.NaN;
  const cpuOf = (name: string) => results.throughput.get(name)?.cpuMicrosecondsPerCall ?? Number.NaN;
  const cpuRatio = cpuOf(names.bare) / cpuOf(names.sluice);
  const latencyOf = (name: string) => results.latency.get(name)?.latency ?? { p50: Number.NaN, p99: Number.NaN, count: 0 };
  const firstByteOf = (name: string) => results.firstByte.get(name)?.p50 ?? Number.NaN;
  const throughputRatio = throughputOf(names.sluice) / throughputOf(names.bare);
  const addedP50 = latencyOf(names.sluice).p50 - latencyOf(names.direct).p50;
  const bareAddedP50 = latencyOf(names.bare).p50 - latencyOf(names.direct).p50;
  const p99OverBare = latencyOf(names.sluice).p99 - latencyOf(names.bare).p99;
  const firstByteOverBare = (shape: string) => firstByteOf(`${names.sluice} ${shape}`) - firstByteOf(`${names.bare} ${shape}`);
  const translationP50 = latencyOf(names.translated).p50 - latencyOf(names.sluice).p50;
  const translationFirstByte = firstByteOf(`${names.translated} openai`) - firstByteOf(`${names.sluice} openai`);
  const { rowsWritten, callsSent } = results.usage;
  const slowestRelay = Math.max(...[...results.relay].filter(([name]) => name.startsWith(names.sluice)).map(([, timing]) => timing.firstByte));
  return [
    { target: 'throughput ≥ 80% of the bare proxy', measured: `${(throughputRatio * 100).toFixed(1)}%`, passed: throughputRatio >= 0.8 },
    {
      target: 'throughput ratio from server CPU per call (bare ÷ sluice; for information, steadier than req/s)',
      measured: `${(cpuRatio * 100).toFixed(1)}% (${cpuOf(names.sluice).toFixed(0)} µs vs ${cpuOf(names.bare).toFixed(0)} µs)`,
      passed: undefined,
    },
    {
      target: `added latency p50 ≤ 1 ms at ${results.settings.rate} req/s (sluice p50 − direct p50)`,
      measured: `${addedP50.toFixed(3)} ms (bare proxy: ${bareAddedP50.toFixed(3)} ms)`,
      passed: addedP50 <= 1,
    },
    { target: 'p99 no more than 2 ms above the bare proxy’s', measured: `${signed(p99OverBare)} ms`, passed: p99OverBare <= 2 },
    {
      target: 'streaming first byte p50 ≤ 0.5 ms above the bare proxy’s (OpenAI shape)',
      measured: `${signed(firstByteOverBare('openai'))} ms`,
      passed: firstByteOverBare('openai') <= 0.5,
    },
    {
      target: 'streaming first byte p50 ≤ 0.5 ms above the bare proxy’s (Anthropic shape)',
      measured: `${signed(firstByteOverBare('anthropic'))} ms`,
      passed: firstByteOverBare('anthropic') <= 0.5,
    },
    { target: 'translation adds ≤ 0.3 ms p50 over pass-through (same run)', measured: `${signed(translationP50)} ms`, passed: translationP50 <= 0.3 },
    { target: 'translated stream first byte over pass-through (for information)', measured: `${signed(translationFirstByte)} ms`, passed: undefined },
    {
      target: `streams relayed as they come (sluice's first byte before the upstream's second event, ${streamPaceMs} ms)`,
      measured: `${milliseconds(slowestRelay)} ms at worst`,
      passed: slowestRelay < streamPaceMs,
    },
    { target: 'one usage row per call sent to Sluice', measured: `${rowsWritten} rows / ${callsSent} calls`, passed: rowsWritten >= callsSent },
  ];
}

function throughputTable(results: BenchResults): string {
  const bare = results.throughput.get(names.bare)?.perSecond ?? Number.NaN;
  const rows = [...results.throughput].map(([name, { perSecond, cpuMicrosecondsPerCall }]) => [
    name,
    perSecond.toFixed(0),
    `${((perSecond / bare) * 100).toFixed(1)}%`,
    cpuMicrosecondsPerCall.toFixed(0),
  ]);
  return table(['target', 'req/s', 'of the bare proxy', 'server CPU per call (µs)'], rows);
}

function latencyTable(results: BenchResults): string {
  const direct = results.latency.get(names.direct)?.latency;
  const rows = [...results.latency].map(([name, { latency }]) => [
    name,
    milliseconds(latency.p50),
    milliseconds(latency.p99),
    direct ? signed(latency.p50 - direct.p50) : '–',
    direct ? signed(latency.p99 - direct.p99) : '–',
    `${latency.count}`,
  ]);
  const lateness = [...results.latency.values()].map((summary) => summary.sendLateness.p99);
  return `${table(['scenario', 'p50 (ms)', 'p99 (ms)', 'p50 added vs direct', 'p99 added vs direct', 'calls'], rows)}

Generator timing: calls left at most ${milliseconds(Math.max(...lateness))} ms after they were due (p99, worst scenario).`;
}

function firstByteTable(results: BenchResults): string {
  return streamTable((name) => {
    const summary = results.firstByte.get(name);
    return summary ? `${milliseconds(summary.p50)} (p99 ${milliseconds(summary.p99)})` : '–';
  });
}

function relayTable(results: BenchResults): string {
  return streamTable((name) => {
    const timing = results.relay.get(name);
    return timing ? `${milliseconds(timing.firstByte)} → ${milliseconds(timing.lastByte)}` : '–';
  });
}

/** One row per target, one column per caller shape; `cell` renders a scenario such as `sluice openai`. */
function streamTable(cell: (scenario: string) => string): string {
  const targets = [names.direct, names.bare, names.sluice, names.translated];
  const rows = targets.map((target) => [target === names.translated ? `${target} (OpenAI shape → Anthropic model)` : target, cell(`${target} openai`), cell(`${target} anthropic`)]);
  return table(['target', 'OpenAI shape (ms)', 'Anthropic shape (ms)'], rows);
}
