import type { LatencySummary } from './load.js';

export interface BenchResults {
  date: string;
  node: string;
  seconds: number;
  concurrency: number;
  rate: number;
  streamCount: number;
  targets: string[];
  throughput: Map<string, number>;
  latency: Map<string, LatencySummary>;
  firstByte: Map<string, LatencySummary>;
  firstByteAnthropic: Map<string, LatencySummary>;
  /** Sluice answering OpenAI-shaped calls from an Anthropic model (translation both ways). */
  translatedLatency: LatencySummary;
  translatedFirstByte: LatencySummary;
  memory: { bare: number; sluice: number };
}

const milliseconds = (value: number | undefined) => (value === undefined ? 'n/a' : value.toFixed(3));
const verdict = (passed: boolean) => (passed ? 'pass' : '**miss**');

/** BENCHMARKS.md: what was measured, how, and each target with pass or miss. */
export function renderReport(results: BenchResults): string {
  const [direct, bare, sluice] = results.targets as [string, string, string];
  const throughputRatio = results.throughput.get(sluice)! / results.throughput.get(bare)!;
  const latencyOf = (name: string) => results.latency.get(name)!;
  const addedP50 = latencyOf(sluice).p50 - latencyOf(direct).p50;
  const bareAddedP50 = latencyOf(bare).p50 - latencyOf(direct).p50;
  const p99OverBare = latencyOf(sluice).p99 - latencyOf(bare).p99;
  const firstByteOverBare = results.firstByte.get(sluice)!.p50 - results.firstByte.get(bare)!.p50;
  const firstByteAnthropicOverBare = results.firstByteAnthropic.get(sluice)!.p50 - results.firstByteAnthropic.get(bare)!.p50;

  const translationOverhead = results.translatedLatency.p50 - latencyOf(sluice).p50;
  const translationFirstByte = results.translatedFirstByte.p50 - results.firstByte.get(sluice)!.p50;
  const rows = results.targets.map((name) => {
    const latency = latencyOf(name);
    return `| ${name} | ${results.throughput.get(name)!.toFixed(0)} | ${milliseconds(latency.p50)} | ${milliseconds(latency.p99)} | ${milliseconds(results.firstByte.get(name)?.p50)} | ${milliseconds(results.firstByteAnthropic.get(name)?.p50)} |`;
  });

  return `# Benchmarks

Command: \`npm run bench\` (\`BENCH_DURATION_SECONDS=${results.seconds}\`). Run ${results.date}, Node ${results.node}, a 2-core
machine shared by the load generator and all three servers, so absolute numbers are noise; the
comparisons are side by side in one run.

- **upstream (direct)**: the project's fake provider (\`src/mock/\`), in its own process.
- **bare undici proxy**: \`bench/bare-proxy.ts\`, node:http + one keep-alive undici Agent, piping bodies:
  the floor for a Node gateway.
- **sluice**: \`sluice serve\` as users run it: key authentication, model resolution, pass-through edits,
  usage rows queued and written to SQLite in batches, stream taps reading usage.

## Results

| target | throughput, ${results.concurrency} concurrent (req/s) | latency p50 at ${results.rate} req/s, 50 ms upstream (ms) | p99 (ms) | OpenAI stream first byte p50 (ms) | Anthropic stream first byte p50 (ms) |
|---|---|---|---|---|---|
${rows.join('\n')}
| sluice, translated (OpenAI shape → Anthropic model) | – | ${milliseconds(results.translatedLatency.p50)} | ${milliseconds(results.translatedLatency.p99)} | ${milliseconds(results.translatedFirstByte.p50)} | – |

Resident memory after the run: sluice ${results.memory.sluice} MiB, bare proxy ${results.memory.bare} MiB.

## Targets (against the bare proxy in the same run)

| target | measured | verdict |
|---|---|---|
| throughput ≥ 80% of the bare proxy | ${(throughputRatio * 100).toFixed(1)}% | ${verdict(throughputRatio >= 0.8)} |
| added latency p50 ≤ 1 ms at ${results.rate} req/s (sluice p50 − direct p50) | ${addedP50.toFixed(3)} ms (bare proxy: ${bareAddedP50.toFixed(3)} ms) | ${verdict(addedP50 <= 1)} |
| p99 no more than 2 ms above the bare proxy's | ${p99OverBare.toFixed(3)} ms | ${verdict(p99OverBare <= 2)} |
| streaming first byte ≤ 0.5 ms above the bare proxy's (OpenAI) | ${firstByteOverBare.toFixed(3)} ms | ${verdict(firstByteOverBare <= 0.5)} |
| streaming first byte ≤ 0.5 ms above the bare proxy's (Anthropic) | ${firstByteAnthropicOverBare.toFixed(3)} ms | ${verdict(firstByteAnthropicOverBare <= 0.5)} |
| translation adds ≤ 0.3 ms p50 over pass-through (translated p50 − pass-through p50, same run) | ${translationOverhead.toFixed(3)} ms | ${verdict(translationOverhead <= 0.3)} |
| translated stream first byte over pass-through (for information) | ${translationFirstByte.toFixed(3)} ms | – |

## Method

- Throughput: closed loop, ${results.concurrency} workers over keep-alive connections, non-streaming chat
  completions; two interleaved rounds per target, best kept.
- Latency: open loop at ${results.rate} req/s, each request timed from when it was *due* (no coordinated
  omission); the fake upstream waits 50 ms before answering (\`[[mock {"delayMs":50}]]\`).
- Streaming first byte: ${results.streamCount} sequential streaming requests per target and shape, time from
  sending to the first body byte.
- Memory: VmRSS from /proc after the run.
`;
}
