import { upstreamDelayMs } from './bench-plan.js';
import type { MetricsCost } from './metrics-cost.js';
import { oneCoreNames, type OneCoreSettings } from './one-core-plan.js';
import { scriptCommands } from './private-redis.js';
import type { MemoryReading } from './processes.js';
import type { RoutePickCost } from './route-pick.js';
import type { LatencySummary } from './statistics.js';
import type { WriterCpu } from './writer-cpu.js';

export interface MemoryTrack {
  idle: { bare: MemoryReading; sluice: MemoryReading; sluiceOnRedis: MemoryReading | undefined };
  afterRequests: { requests: number; reading: MemoryReading };
  /** Resident MiB read every tenth of the way through the streams. */
  acrossStreams: { streams: number; residentMiB: number }[];
  peakResidentMiB: number;
}

export interface OneCoreResults {
  date: string;
  node: string;
  machine: string;
  settings: OneCoreSettings;
  machineLoad: { loadAverageAtStart: number; foreignCores: number };
  /** Per pinned process (bare, sluice, sluice on Redis): its threads and the distinct CPU lists they may use. */
  pinning: { threads: number; cpuLists: string[] }[];
  /** By connection count, then scenario name. */
  throughput: Map<number, Map<string, { perSecond: number; cpuMicrosecondsPerCall: number }>>;
  latency: Map<string, { latency: LatencySummary; sendLateness: LatencySummary }>;
  /** Time to the first content chunk of a stream, by target name. */
  firstContent: Map<string, LatencySummary>;
  /** Undefined without redis-server. */
  redisCommands: { calls: number; byCommand: Map<string, number>; clientSentPerCall: number } | undefined;
  memory: MemoryTrack;
  writer: WriterCpu;
  routePick: RoutePickCost;
  metrics: MetricsCost;
  usage: { callsSent: number; rowsWritten: number }[];
}

interface Verdict {
  target: string;
  figure: string;
  goal: string;
  passed: boolean | undefined;
}

/** Growth across the streams above which memory is not called flat. */
export const flatGrowthMegabytes = 10;
const megabytes = (mebibytes: number) => (mebibytes * 1_048_576) / 1_000_000;
const table = (header: string[], rows: string[][]) => [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
const ms = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(3)} ms`;

export function renderOneCoreReport(results: OneCoreResults): string {
  const { settings } = results;
  const pinned = results.pinning.map((process) => `${process.threads} threads on CPU ${process.cpuLists.join(', ')}`).join('; ');
  return `## One core: each gateway pinned to a core of its own

Command: \`BENCH_ONE_CORE=1 npm run bench\` (or \`npm run bench:one-core\`; rounds of ${settings.roundSeconds} s, \`BENCH_ONE_CORE_ROUND_SECONDS\`;
\`BENCH_CPU_PROF=dir\` adds CPU profiles). Run ${results.date}, Node ${results.node}, ${results.machine}.
The bare proxy and each Sluice run under \`taskset -c ${settings.gatewayCore}\`, the whole process (checked in /proc when they
started: ${pinned}); the fake upstream, the bench's own \`redis-server\` and the load generator under \`taskset -c ${settings.otherCore}\`.
Other processes took ${results.machineLoad.foreignCores.toFixed(2)} cores on average while it ran (load average ${results.machineLoad.loadAverageAtStart.toFixed(2)} at the start):
on a shared machine they land on both cores, so only the ratios side by side in this run are figures.

Every call is a non-streaming OpenAI chat completion whose answer is ${settings.answerBytes} bytes with usage; Sluice writes a
usage row for each to SQLite (with rollups) and counts it in its metrics, keys checked.

### Targets

${table(
  ['target', 'figure', 'goal', 'verdict'],
  verdicts(results).map((verdict) => [verdict.target, verdict.figure, verdict.goal, verdict.passed === undefined ? '–' : verdict.passed ? 'pass' : '**fail**']),
)}

### Throughput, closed loop, ${settings.reps} rounds of ${settings.roundSeconds} s per scenario, interleaved

${throughputTable(results)}

### Open loop at ${settings.rate} req/s, the upstream answering after ${upstreamDelayMs} ms

${latencyTable(results)}

### Memory (resident set of the gateway process, all threads)

${memoryTable(results)}

${redisSection(results)}

### Method

- Throughput: ${settings.connections.join(' and ')} connections, each a phase of its own: a warm-up per scenario, then ${settings.reps} rounds of
  ${settings.roundSeconds} s per scenario in rotating order; req/s = all calls over all rounds' time. CPU per call: the
  process's user + system time (/proc, all threads) over a round divided by its calls, the median of the rounds.
- Open loop: call *i* due at start + *i*/rate whatever happened before, timed from when it was due (no
  coordinated omission); ${settings.reps} rounds per scenario, rotating. "Over bare" is the p99 minus the bare proxy's.
- First content: ${settings.firstContentStreams} OpenAI streams per target after 20 dropped, one at a time, interleaved; time from
  sending to the first chunk with generated text (the upstream writes its events back to back).
- Memory: VmRSS from /proc/<pid>/status. Idle: ${'5'} s after the gateway listens, before any call. After
  ${settings.requestsBeforeMemory.toLocaleString('en')} calls (the phases' calls count; the rest sent 50 at a time), 2 s later. Then
  ${settings.streamsForMemory.toLocaleString('en')} OpenAI streams 50 at a time, read every tenth; "flat" = at most ${flatGrowthMegabytes} MB more at the end than at the start.
- The usage writer: \`bench/writer-cpu.ts\`, \`recordUsage\` into a fresh SQLite file with rollups, opened as the gateway's
  writer thread opens it (compaction left to the compactor thread), ${results.writer.rows.toLocaleString('en')} rows in batches of ${results.writer.batchRows}, CPU from
  \`process.cpuUsage\`. Routing pick and metrics: \`bench/route-pick.ts\`, \`bench/metrics-cost.ts\` (in the bench process).
`;
}

function verdicts(results: OneCoreResults): Verdict[] {
  const list: Verdict[] = [];
  for (const [connections, scenarios] of results.throughput) {
    const bare = scenarios.get(oneCoreNames.bare);
    const ratio = (name: string) => (scenarios.get(name)?.perSecond ?? Number.NaN) / (bare?.perSecond ?? Number.NaN);
    const at = `${connections} connections`;
    list.push(
      { target: `throughput, auth + usage rows + metrics, ${at}`, figure: percent(ratio(oneCoreNames.sluice)), goal: '≥ 80% of the bare proxy', passed: ratio(oneCoreNames.sluice) >= 0.8 },
      { target: `throughput with rpm, tpm, concurrency and a budget, ${at}`, figure: percent(ratio(oneCoreNames.budgets)), goal: '≥ 70%', passed: ratio(oneCoreNames.budgets) >= 0.7 },
    );
    const cpuRatio = (scenarios.get(oneCoreNames.sluice)?.cpuMicrosecondsPerCall ?? Number.NaN) / (bare?.cpuMicrosecondsPerCall ?? Number.NaN);
    list.push({
      target: `CPU per request, ${at}`,
      figure: `${cpuRatio.toFixed(2)}× (${scenarios.get(oneCoreNames.sluice)?.cpuMicrosecondsPerCall.toFixed(0)} µs vs ${bare?.cpuMicrosecondsPerCall.toFixed(0)} µs)`,
      goal: '≤ 1.25× the bare proxy’s',
      passed: cpuRatio <= 1.25,
    });
    if (scenarios.has(oneCoreNames.redisBudgets)) {
      list.push({ target: `Redis mode throughput (limits + budget), ${at}`, figure: percent(ratio(oneCoreNames.redisBudgets)), goal: '≥ 60%', passed: ratio(oneCoreNames.redisBudgets) >= 0.6 });
    }
  }
  const p99 = (name: string) => results.latency.get(name)?.latency.p99 ?? Number.NaN;
  const p50 = (name: string) => results.latency.get(name)?.latency.p50 ?? Number.NaN;
  const budgetsOver = p99(oneCoreNames.budgets) - p99(oneCoreNames.bare);
  list.push({ target: `open loop ${results.settings.rate} req/s: added p99 with limits + budget`, figure: ms(budgetsOver), goal: '≤ 2 ms over the bare proxy', passed: budgetsOver <= 2 });
  if (results.latency.has(oneCoreNames.redisBudgets)) {
    const redisOver = p99(oneCoreNames.redisBudgets) - p99(oneCoreNames.bare);
    list.push({ target: 'the same in Redis mode', figure: ms(redisOver), goal: '≤ 4 ms', passed: redisOver <= 4 });
  }
  if (results.redisCommands) {
    const { calls, byCommand, clientSentPerCall } = results.redisCommands;
    const total = [...byCommand.values()].reduce((sum, count) => sum + count, 0) / calls;
    const scripts = [...byCommand].filter(([command]) => scriptCommands.has(command)).reduce((sum, [, count]) => sum + count, 0) / calls;
    list.push({
      target: 'Redis commands per request (limits + budget)',
      figure: `${clientSentPerCall.toFixed(2)} sent by the gateway (commandstats: ${scripts.toFixed(2)} script calls, ${total.toFixed(2)} with the commands inside them)`,
      goal: '≤ 2',
      passed: clientSentPerCall <= 2,
    });
  }
  const { memory } = results;
  const idle = megabytes(memory.idle.sluice.residentMiB);
  const after = megabytes(memory.afterRequests.reading.residentMiB);
  const first = memory.acrossStreams[0]?.residentMiB ?? Number.NaN;
  const last = memory.acrossStreams.at(-1)?.residentMiB ?? Number.NaN;
  const growth = megabytes(last - first);
  list.push(
    { target: 'idle RSS', figure: `${idle.toFixed(1)} MB (bare proxy ${megabytes(memory.idle.bare.residentMiB).toFixed(1)} MB)`, goal: '≤ 100 MB', passed: idle <= 100 },
    { target: `RSS after ${memory.afterRequests.requests.toLocaleString('en')} requests`, figure: `${after.toFixed(1)} MB`, goal: '≤ 150 MB', passed: after <= 150 },
    {
      target: `RSS across ${results.settings.streamsForMemory.toLocaleString('en')} streams`,
      figure: `${megabytes(first).toFixed(1)} → ${megabytes(last).toFixed(1)} MB (${growth >= 0 ? '+' : '−'}${Math.abs(growth).toFixed(1)})`,
      goal: `flat (≤ ${flatGrowthMegabytes} MB growth) and ≤ 150 MB`,
      passed: growth <= flatGrowthMegabytes && megabytes(last) <= 150,
    },
    { target: 'usage writer with rollups, CPU per row at 500 a batch', figure: `${results.writer.microsecondsPerRow.toFixed(1)} µs`, goal: '≤ 20 µs', passed: results.writer.microsecondsPerRow <= 20 },
  );
  const contentOver = (results.firstContent.get(oneCoreNames.sluice)?.p50 ?? Number.NaN) - (results.firstContent.get(oneCoreNames.bare)?.p50 ?? Number.NaN);
  const slowestPick = Math.max(...Object.values(results.routePick));
  const rows = results.usage.reduce((sum, process) => sum + process.rowsWritten, 0);
  const calls = results.usage.reduce((sum, process) => sum + process.callsSent, 0);
  list.push(
    { target: 'keep: first content over the bare proxy (p50)', figure: ms(contentOver), goal: '≤ +0.7 ms', passed: contentOver <= 0.7 },
    { target: 'keep: a cache hit (p50)', figure: `${p50(oneCoreNames.cacheHit).toFixed(3)} ms`, goal: '< 1 ms', passed: p50(oneCoreNames.cacheHit) < 1 },
    {
      target: 'keep: routing pick, 10-target group (slowest policy)',
      figure: `${slowestPick.toFixed(2)} µs`,
      goal: '< 1 µs',
      passed: slowestPick < 1,
    },
    { target: 'keep: recording a call in the metrics', figure: `${(results.metrics.recordNanoseconds / 1000).toFixed(2)} µs`, goal: '≤ 5 µs', passed: results.metrics.recordNanoseconds <= 5_000 },
    // The 401 check at the start is logged too: one row more than the calls counted here.
    { target: 'keep: one usage row per call', figure: `${rows} rows / ${calls} calls`, goal: 'rows ≥ calls', passed: rows >= calls },
  );
  return list;
}

function throughputTable(results: OneCoreResults): string {
  const rows: string[][] = [];
  for (const [connections, scenarios] of results.throughput) {
    const bare = scenarios.get(oneCoreNames.bare);
    for (const [name, figures] of scenarios) {
      rows.push([
        `${connections}`,
        name,
        figures.perSecond.toFixed(0),
        percent(figures.perSecond / (bare?.perSecond ?? Number.NaN)),
        figures.cpuMicrosecondsPerCall.toFixed(0),
        `${(figures.cpuMicrosecondsPerCall / (bare?.cpuMicrosecondsPerCall ?? Number.NaN)).toFixed(2)}×`,
      ]);
    }
  }
  return table(['connections', 'scenario', 'req/s', 'of the bare proxy', 'CPU per call (µs)', 'of the bare proxy’s'], rows);
}

function latencyTable(results: OneCoreResults): string {
  const bare = results.latency.get(oneCoreNames.bare)?.latency;
  const rows = [...results.latency].map(([name, { latency }]) => [
    name,
    latency.p50.toFixed(3),
    latency.p99.toFixed(3),
    bare ? ms(latency.p99 - bare.p99) : '–',
    `${latency.count}`,
  ]);
  return table(['scenario', 'p50 (ms)', 'p99 (ms)', 'p99 over bare', 'calls'], rows);
}

function memoryTable(results: OneCoreResults): string {
  const { memory } = results;
  const mb = (mebibytes: number | undefined) => (mebibytes === undefined ? '–' : megabytes(mebibytes).toFixed(1));
  const rows = [
    ['bare undici proxy, idle', mb(memory.idle.bare.residentMiB)],
    ['sluice, idle', mb(memory.idle.sluice.residentMiB)],
    ['sluice on Redis, idle', mb(memory.idle.sluiceOnRedis?.residentMiB)],
    [`sluice after ${memory.afterRequests.requests.toLocaleString('en')} requests`, mb(memory.afterRequests.reading.residentMiB)],
    ...memory.acrossStreams.map((point) => [`sluice after ${point.streams.toLocaleString('en')} more streams`, mb(point.residentMiB)]),
    ['sluice, peak over the run (VmHWM)', mb(memory.peakResidentMiB)],
  ];
  return table(['process, when', 'RSS (MB)'], rows);
}

function redisSection(results: OneCoreResults): string {
  if (!results.redisCommands) return 'No `redis-server` on this machine: the Redis rows were skipped.';
  const { calls, byCommand } = results.redisCommands;
  const rows = [...byCommand].sort((left, right) => right[1] - left[1]).map(([command, count]) => [command, (count / calls).toFixed(2)]);
  return `### Redis commands per request, INFO commandstats deltas over ${calls.toLocaleString('en')} calls (limits + budget)

${table(['command', 'per request'], rows)}

Redis counts the commands a script runs as well as the EVALSHA that runs it; "sent by the gateway" in the targets
is what clients sent, from MONITOR (its 'lua' entries left out), over calls sent one at a time.`;
}
