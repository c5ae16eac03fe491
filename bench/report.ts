import type { GroupAdmissionCost } from './admission-cost.js';
import { names, redisCountedCalls, streamPaceMs, upstreamDelayMs, type BenchSettings } from './bench-plan.js';
import type { StreamTiming } from './stream-timing.js';
import type { MemoryReading } from './processes.js';
import type { LatencySummary } from './statistics.js';
import type { RoutePickCost } from './route-pick.js';
import type { MetricsCost } from './metrics-cost.js';

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
  /** Per Sluice process. */
  usage: { name: string; callsSent: number; rowsWritten: number; stopMs: number }[];
  /** By Redis scenario name: commands Redis ran per call; undefined when no Redis was reachable. */
  redisCommands: Map<string, number> | undefined;
  /** The admission code alone, in process, µs per call (9 counters; then 9 counters and 3 budgets). */
  admission: { limits: number; limitsAndBudgets: number };
  /** What a model group's quota adds to that, in process (see `groupAdmissionCost`). */
  groupAdmission: GroupAdmissionCost;
  /** Resolving and planning a call in a 10-target group, in process, µs per call, by policy. */
  routePick: RoutePickCost;
  /** Prometheus metrics in process: recording one call, and a scrape at two series counts. */
  metrics: MetricsCost;
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
  return `## The request path: gateway against a bare proxy

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
- **${names.failover}**: the same call to a model group whose first target refuses the connection, so every
  call fails over to the second (the fake upstream).

## Targets (against the bare proxy in the same run)

${table(['target', 'measured', 'verdict'], verdicts(results).map((verdict) => [verdict.target, verdict.measured, verdict.passed === undefined ? '–' : verdict.passed ? 'pass' : '**miss**']))}

## Throughput: ${settings.concurrency} concurrent, non-streaming chat completions

${throughputTable(results)}

## Latency: open loop at ${settings.rate} req/s, upstream answers after ${upstreamDelayMs} ms

${latencyTable(results)}

## Limits, budgets and the response cache

${governanceSection(results)}

## Streaming: time to first body byte, sequential calls

${firstByteTable(results)}

Relay check: the upstream sends its events ${streamPaceMs} ms apart; first byte (first content) and last byte, median of 3
calls (ms). Sluice's first byte is its first content: a stream's opening events wait for it, so that a failure
before it can still fail over to another target.
A gateway that held events back would show a first byte near the last.

${relayTable(results)}

## Prometheus metrics

${metricsSection(results.metrics)}

## Memory (resident set, MiB)

${table(
  ['process', 'idle, after start', 'after the run', 'peak'],
  results.memory.map((reading) => [reading.name, `${reading.idle.residentMiB}`, `${reading.afterLoad.residentMiB}`, `${reading.afterLoad.peakResidentMiB}`]),
)}

Usage logging (the 401 check adds one row to the first, as rejected calls are logged too):

${table(
  ['process', 'calls sent', 'usage rows written', 'clean stop, flushing the queue (ms)'],
  results.usage.map((process) => [process.name, `${process.callsSent}`, `${process.rowsWritten}`, process.stopMs.toFixed(0)]),
)}

## Method

- Every server runs in its own process; the load generator (undici Pools) in the bench process.
- The bare proxy reads the request body whole, then forwards it. Runs before 2026-11-22 19:00 streamed
  it into undici instead, a slower floor (~30 µs more CPU per call, several ms more p99), so their
  ratios against it are not comparable with these.
- Throughput: closed loop, ${settings.concurrency} callers over keep-alive connections, short non-streaming chat
  completions; a warm-up per target, then ${settings.throughputRounds} rounds of ${settings.seconds / settings.throughputRounds} s per target in rotating order, req/s = all
  calls over all rounds' time. CPU per call is the server process's own user + system time
  (/proc/<pid>/stat, all threads) in a round divided by the calls it answered that round, the median over
  the rounds (a WAL checkpoint or a major GC lands whole in one round); for the proxies it
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
- Limits, budgets, cache: the same Sluice (and a second one with \`redis.url\` set, state in Redis) with one
  key per policy, each with a user and a team of its own: no limit at all (the baseline, so that only the
  policy differs); requests, tokens and concurrency capped for the key, its user and its team
  (caps out of reach, so every counter is charged and none refuses); the same plus a monthly budget for each
  of the three. Their CPU per call comes from the throughput phase, their p50 from the latency phase. A
  cache hit is a call with \`x-sluice-cache: true\` whose answer is stored (every call after the first).
  The admission code alone: \`admit\` then \`finish\` with the in-process counters and ledger, 9 counters (and 3
  budgets), 100,000 times in the bench process after a warm-up; the server-level difference also holds the
  rate-limit headers written and the garbage, and moves by tens of µs from run to run.
  A model group's quota: \`limitSubjects\` (which adds the group and the key's share of it) then \`admit\` and
  \`finish\`, for key, user and team capped as above, against the same call with a group that sets no
  quota, with the group's requests, tokens and concurrency (3 more counters), and with its budget and the
  key's share (2 more budgets, against identities with budgets); interleaved rounds of 20,000 calls, the
  fastest round of each.
  Picking a target: \`router.resolve\` and \`router.plan\` (eligibility, the cooldown check, the policy) for a
  10-target group of each policy, 200,000 times in the bench process after a warm-up, with in-process
  cooldowns; decoding the request is left out (the request path decodes once for every stage).
  Prometheus metrics: \`bench/metrics-cost.ts\`, in the bench process: \`recordCall\` over 1,000,000 synthetic usage
  rows after a warm-up, then whole expositions (registry defaults included) with 100 models in use and with every
  model the label set allows, each in four dialects, answered and failed.
  Redis commands per call: what the clients sent (MONITOR, commands run inside scripts left out) over ${redisCountedCalls}
  calls sent one at a time.
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
  const failoverP50 = latencyOf(names.failover).p50 - latencyOf(names.sluice).p50;
  const translationFirstByte = firstByteOf(`${names.translated} openai`) - firstByteOf(`${names.sluice} openai`);
  const rowsWritten = results.usage.reduce((total, process) => total + process.rowsWritten, 0);
  const callsSent = results.usage.reduce((total, process) => total + process.callsSent, 0);
  const directContent = (shape: string) => results.relay.get(`${names.direct} ${shape}`)?.firstContent ?? Number.NaN;
  const slowestRelay = Math.max(
    ...[...results.relay]
      .filter(([name]) => name.startsWith(names.sluice))
      // A translated call's upstream is the Anthropic model.
      .map(([name, timing]) => timing.firstByte - directContent(name.startsWith(names.translated) || name.endsWith('anthropic') ? 'anthropic' : 'openai')),
  );
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
    {
      target: 'a failover adds ≤ 1 ms p50 to the fallback’s own latency (first target refuses the connection; failover − sluice)',
      measured: `${signed(failoverP50)} ms`,
      passed: failoverP50 <= 1,
    },
    { target: 'translated stream first byte over pass-through (for information)', measured: `${signed(translationFirstByte)} ms`, passed: undefined },
    {
      // Sluice holds a stream's opening events until its first content, so that a failure before it can still
      // fail over: its first byte is compared with the moment the upstream's first content reached the bench.
      target: `streams relayed as they come (sluice's first byte within 5 ms of the upstream's first content, events ${streamPaceMs} ms apart)`,
      measured: `+${milliseconds(slowestRelay)} ms at worst`,
      passed: slowestRelay <= 5,
    },
    ...governanceVerdicts(results),
    routePickVerdict(results.routePick),
    ...metricsVerdicts(results.metrics),
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
    return timing ? `${milliseconds(timing.firstByte)} (content ${milliseconds(timing.firstContent)}) → ${milliseconds(timing.lastByte)}` : '–';
  });
}

/** One row per target, one column per caller shape; `cell` renders a scenario such as `sluice openai`. */
function streamTable(cell: (scenario: string) => string): string {
  const targets = [names.direct, names.bare, names.sluice, names.translated];
  const rows = targets.map((target) => [target === names.translated ? `${target} (OpenAI shape → Anthropic model)` : target, cell(`${target} openai`), cell(`${target} anthropic`)]);
  return table(['target', 'OpenAI shape (ms)', 'Anthropic shape (ms)'], rows);
}

const policyScenarios = [names.noLimits, names.limits, names.budgets, names.redisLimits, names.redisBudgets];
const cacheScenarios = [names.cacheHit, names.redisCacheHit];

function governanceSection(results: BenchResults): string {
  const cpuOf = (name: string) => results.throughput.get(name)?.cpuMicrosecondsPerCall;
  const p50Of = (name: string) => results.latency.get(name)?.latency.p50;
  const baseCpu = cpuOf(names.noLimits);
  const baseP50 = p50Of(names.noLimits);
  const rows = [...policyScenarios, ...cacheScenarios]
    .filter((name) => results.latency.has(name))
    .map((name) => {
      const cpu = cpuOf(name);
      const p50 = p50Of(name);
      const commands = results.redisCommands?.get(name);
      return [
        name,
        cpu === undefined ? '–' : cpu.toFixed(0),
        cpu === undefined || baseCpu === undefined ? '–' : `${cpu - baseCpu >= 0 ? '+' : '−'}${Math.abs(cpu - baseCpu).toFixed(0)}`,
        milliseconds(p50),
        p50 === undefined || baseP50 === undefined ? '–' : signed(p50 - baseP50),
        commands === undefined ? '–' : commands.toFixed(2),
      ];
    });
  const redisNote = results.redisCommands ? '' : '\n\nNo Redis was reachable (REDIS_URL, else 127.0.0.1:6379): the Redis scenarios were skipped.';
  return `${table(['scenario', 'server CPU per call (µs)', 'added CPU vs no limits (µs)', `p50 at ${results.settings.rate} req/s (ms)`, 'p50 added vs no limits', 'Redis commands per call'], rows)}

The latency scenarios' upstream answers after ${upstreamDelayMs} ms; a cache hit does not call it at all. With Redis, the
limit script and the budget script are sent together before the upstream call (one round trip), and
settled together after the answer has gone out (one more, off the caller's path).${redisNote}`;
}

function governanceVerdicts(results: BenchResults): Verdict[] {
  const cpuOf = (name: string) => results.throughput.get(name)?.cpuMicrosecondsPerCall ?? Number.NaN;
  const p50Of = (name: string) => results.latency.get(name)?.latency.p50 ?? Number.NaN;
  const limitsCpu = cpuOf(names.limits) - cpuOf(names.noLimits);
  const budgetsCpu = cpuOf(names.budgets) - cpuOf(names.noLimits);
  const verdicts: Verdict[] = [
    {
      target: 'limits in process add ≤ 50 µs per request (server CPU per call, limits − no limits)',
      measured: `${signedMicroseconds(limitsCpu)} (p50 ${signed(p50Of(names.limits) - p50Of(names.noLimits))} ms)`,
      passed: limitsCpu <= 50,
    },
    {
      target: 'for information: the admission code alone, timed in a loop (limits; limits + budgets)',
      measured: `${results.admission.limits.toFixed(1)} µs; ${results.admission.limitsAndBudgets.toFixed(1)} µs`,
      passed: undefined,
    },
    {
      target: "a model group's limits add ≤ 2 µs per call in process (admission code alone, group rpm + tpm + concurrency − none)",
      measured: `${signedMicroseconds(results.groupAdmission.groupLimits - results.groupAdmission.identities)} (a group with no quota ${signedMicroseconds(results.groupAdmission.groupWithoutQuota - results.groupAdmission.identities)}; with its budget and the key's share ${signedMicroseconds(results.groupAdmission.groupLimitsAndBudgets - results.groupAdmission.identitiesWithBudgets)})`,
      passed: results.groupAdmission.groupLimits - results.groupAdmission.identities <= 2,
    },
    {
      target: 'limits and budgets in process, for information (server CPU per call, − no limits)',
      measured: `${signedMicroseconds(budgetsCpu)} (p50 ${signed(p50Of(names.budgets) - p50Of(names.noLimits))} ms)`,
      passed: undefined,
    },
    { target: 'a cache hit answers in < 1 ms p50 (in process)', measured: `${milliseconds(p50Of(names.cacheHit))} ms`, passed: p50Of(names.cacheHit) < 1 },
  ];
  const commands = results.redisCommands;
  if (!commands) {
    verdicts.push({ target: 'with Redis, one round trip per request', measured: 'not measured: no Redis reachable', passed: undefined });
    return verdicts;
  }
  const limitCommands = commands.get(names.redisLimits) ?? Number.NaN;
  const budgetCommands = commands.get(names.redisBudgets) ?? Number.NaN;
  verdicts.push(
    {
      target: 'with Redis, one round trip per request before the upstream call (limits: 1 script to admit + 1 to settle after)',
      measured: `${limitCommands.toFixed(2)} commands per call; p50 ${signed(p50Of(names.redisLimits) - p50Of(names.limits))} ms over in process`,
      passed: limitCommands <= 2.05,
    },
    {
      target: 'with Redis, limits + budgets: still one round trip before the call (2 scripts sent together + 2 after)',
      measured: `${budgetCommands.toFixed(2)} commands per call; p50 ${signed(p50Of(names.redisBudgets) - p50Of(names.budgets))} ms over in process`,
      passed: budgetCommands <= 4.05,
    },
    { target: 'a cache hit answers in < 1 ms p50 (Redis)', measured: `${milliseconds(p50Of(names.redisCacheHit))} ms`, passed: p50Of(names.redisCacheHit) < 1 },
  );
  return verdicts;
}

function routePickVerdict(cost: RoutePickCost): Verdict {
  const slowest = Math.max(cost.failover, cost.weighted, cost['least-latency'], cost.cost);
  return {
    target: 'picking a target in a 10-target group ≤ 20 µs (resolve + plan, in process; bench/route-pick.ts)',
    measured: `${Object.entries(cost).map(([policy, microseconds]) => `${policy} ${microseconds.toFixed(2)} µs`).join('; ')}`,
    passed: slowest <= 20,
  };
}

function metricsVerdicts(cost: MetricsCost): Verdict[] {
  const [large] = cost.scrapes;
  return [
    {
      target: 'recording a call in the metrics ≤ 5 µs (in process; bench/metrics-cost.ts)',
      measured: `${(cost.recordNanoseconds / 1000).toFixed(2)} µs (CPU ${(cost.recordCpuNanoseconds / 1000).toFixed(2)} µs)`,
      passed: cost.recordNanoseconds <= 5_000,
    },
    {
      // CPU time decides: on a machine shared with other work, wall time also counts the waits for a core.
      target: `a scrape of the whole registry ≤ 20 ms of CPU (${large?.activeModels ?? '–'} models in use, ${large?.samples ?? '–'} samples; wall time for information)`,
      measured: large === undefined ? '–' : `CPU ${large.cpuMilliseconds.toFixed(1)} ms (wall ${large.milliseconds.toFixed(1)} ms)`,
      passed: large === undefined ? undefined : large.cpuMilliseconds <= 20,
    },
  ];
}

function metricsSection(cost: MetricsCost): string {
  return `Recording one call (\`GatewayMetrics.recordCall\`, in the bench process): ${cost.recordNanoseconds.toFixed(0)} ns (CPU ${cost.recordCpuNanoseconds.toFixed(0)} ns), the mean over
1,000,000 synthetic usage rows of five shapes (a known model, a made-up one, a refusal, every token type, a
fallback with two attempts).

${table(
  ['models in use (× 4 dialects, answered and failed)', 'samples in the exposition', 'scrape CPU, median of 20 (ms)', 'scrape wall time (ms)'],
  cost.scrapes.map((scrape) => [`${scrape.activeModels}`, `${scrape.samples}`, scrape.cpuMilliseconds.toFixed(1), scrape.milliseconds.toFixed(1)]),
)}

The last row is every model the label set allows (the providers' listed models and their catalogue names):
the bound on the series count, reached only if every one of them is called in every shape.`;
}

function signedMicroseconds(value: number): string {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(0)} µs`;
}
