import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { shapes, type BenchSettings } from './bench-plan.js';
import { writeBenchSection } from './benchmarks-file.js';
import { ForeignLoadMeter } from './cpu-time.js';
import { sendCalls } from './fixed-count-load.js';
import { redisCommandsPhase } from './governance.js';
import { openPool, type RequestShape, type Scenario, type Target } from './http-target.js';
import { log } from './log.js';
import { metricsCost } from './metrics-cost.js';
import { checkTwoCores, oneCoreNames, pinThisProcess, readOneCoreSettings, threadAffinity, type OneCoreSettings } from './one-core-plan.js';
import { renderOneCoreReport, type MemoryTrack, type OneCoreResults } from './one-core-report.js';
import { latencyPhase, throughputPhase } from './phases.js';
import { commandStatsDelta, readCommandStats, startPrivateRedis } from './private-redis.js';
import { readMemory, startBareProxy, startUpstream, stopAll, stopProcess, type RunningProcess } from './processes.js';
import { routePickCost } from './route-pick.js';
import { checkAuthenticationIsOn, countUsageRows, startSluice, type RunningSluice } from './sluice-process.js';
import { chatAnswering } from './sized-answer.js';
import { summarize } from './statistics.js';
import { measureStreams } from './stream-timing.js';
import { writerCpuPerRow } from './writer-cpu.js';

const providerHeaders = { authorization: 'Bearer bench-openai-key', 'x-api-key': 'bench-anthropic-key', 'anthropic-version': '2023-06-01' };
const cacheHeaders = { 'x-sluice-cache': 'true', 'cache-control': 'max-age=3600' };
/** Calls counted against INFO commandstats per Redis scenario. */
const commandStatsCalls = 2_000;
/** Quiet time before the idle memory is read: startup's last allocations and GCs settle. */
const idleSettleMs = 5_000;

/** `BENCH_ONE_CORE=1 npm run bench`: see one-core-plan.ts. */
export async function runOneCore(): Promise<void> {
  checkTwoCores();
  const settings = readOneCoreSettings(process.env);
  pinThisProcess(settings.otherCore);
  const gatewayProcess = { cpus: settings.gatewayCore, nodeArgs: cpuProfileArgs(settings) };
  const upstream = await startUpstream({ cpus: settings.otherCore });
  const bare = await startBareProxy(upstream.url, { cpus: settings.gatewayCore });
  const sluice = await startSluice(upstream.url, { process: gatewayProcess });
  const redis = await startPrivateRedis(settings.otherCore);
  const sluiceOnRedis = redis ? await startSluice(upstream.url, { redisUrl: redis.url, process: gatewayProcess }) : undefined;
  await checkAuthenticationIsOn(sluice);
  const pinning = [bare, sluice, ...(sluiceOnRedis ? [sluiceOnRedis] : [])].map((running) => threadAffinity(running.pid));

  const target = (name: string, running: RunningProcess, headers: Record<string, string>): Target => ({ name, url: running.url, headers, pid: running.pid, requestsSent: 0 });
  const bearer = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });
  const bareTarget = target(oneCoreNames.bare, bare, providerHeaders);
  const sluiceTarget = target(oneCoreNames.sluice, sluice, bearer(sluice.keys.standard));
  const budgetTarget = target(oneCoreNames.budgets, sluice, bearer(sluice.keys.budgeted));
  const cacheHitTarget = target(oneCoreNames.cacheHit, sluice, bearer(sluice.keys.standard, cacheHeaders));
  const redisTarget = sluiceOnRedis ? target(oneCoreNames.redisBudgets, sluiceOnRedis, bearer(sluiceOnRedis.keys.budgeted)) : undefined;
  const loadTargets = [bareTarget, sluiceTarget, budgetTarget, ...(redisTarget ? [redisTarget] : [])];

  await sleep(idleSettleMs);
  const idle = { bare: readMemory(bare.pid), sluice: readMemory(sluice.pid), sluiceOnRedis: sluiceOnRedis ? readMemory(sluiceOnRedis.pid) : undefined };
  log(`idle: bare ${idle.bare.residentMiB} MiB, sluice ${idle.sluice.residentMiB} MiB${idle.sluiceOnRedis ? `, sluice on Redis ${idle.sluiceOnRedis.residentMiB} MiB` : ''}`);

  const plain = await chatAnswering(upstream.url, providerHeaders, settings.answerBytes);
  const delayed = await chatAnswering(upstream.url, providerHeaders, settings.answerBytes, { delayMs: 50 });
  const loadAverageAtStart = loadavg()[0] ?? 0;
  const foreignLoad = new ForeignLoadMeter(() => [process.pid, upstream.pid, bare.pid, sluice.pid, ...(sluiceOnRedis ? [sluiceOnRedis.pid] : [])]);

  const phaseSettings = (concurrency: number): BenchSettings => ({
    seconds: settings.roundSeconds * settings.reps,
    concurrency,
    throughputRounds: settings.reps,
    rate: settings.rate,
    latencyRounds: settings.reps,
    streamCount: settings.firstContentStreams,
    streamWarmUp: 20,
  });
  const throughput = new Map<number, OneCoreResults['throughput'] extends Map<number, infer Value> ? Value : never>();
  for (const connections of settings.connections) {
    throughput.set(connections, await throughputPhase(phaseSettings(connections), loadTargets.map((each) => ({ name: each.name, target: each, shape: plain }))));
  }
  const latencyScenarios: Scenario[] = [...loadTargets, cacheHitTarget].map((each) => ({ name: each.name, target: each, shape: delayed }));
  const latency = await latencyPhase(phaseSettings(settings.connections[0]!), latencyScenarios);

  log(`first content: ${settings.firstContentStreams} streams per target, one at a time`);
  const streams = await measureStreams(
    [bareTarget, sluiceTarget].map((each) => ({ name: each.name, target: each, shape: shapes.openAiStream })),
    settings.firstContentStreams,
    20,
  );
  const firstContent = new Map([...streams].map(([name, timings]) => [name, summarize(timings.map((timing) => timing.firstContent))]));

  const redisCommands = redis && redisTarget ? await countRedisCommands(redis.redis, redisTarget, plain) : undefined;
  const memory = await memoryUnderLoad(settings, sluice, [sluiceTarget, budgetTarget, cacheHitTarget], plain);

  const routePick = await routePickCost();
  const metrics = await metricsCost();
  const writer = await writerCpuPerRow();
  const foreignCores = foreignLoad.read();
  redis?.redis.disconnect();

  const usage: OneCoreResults['usage'] = [];
  const stopped: Array<[RunningSluice | undefined, Target[]]> = [
    [sluice, [sluiceTarget, budgetTarget, cacheHitTarget]],
    [sluiceOnRedis, redisTarget ? [redisTarget] : []],
  ];
  for (const [running, targets] of stopped) {
    if (!running) continue;
    // A clean stop flushes every queued usage row (and writes the CPU profiles); only then does the count mean anything.
    await stopProcess(running);
    usage.push({ rowsWritten: countUsageRows(running), callsSent: targets.reduce((total, each) => total + each.requestsSent, 0) });
  }
  redis?.stop();

  const results: OneCoreResults = {
    date: new Date().toISOString(),
    node: process.version,
    machine: `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'})`,
    settings,
    machineLoad: { loadAverageAtStart, foreignCores },
    pinning,
    throughput,
    latency,
    firstContent,
    redisCommands,
    memory: { idle, ...memory },
    writer,
    routePick,
    metrics,
    usage,
  };
  const report = renderOneCoreReport(results);
  writeBenchSection('one-core', report);
  process.stdout.write(`\n${report}\n`);
}

function cpuProfileArgs(settings: OneCoreSettings): string[] {
  if (!settings.cpuProfileDirectory) return [];
  mkdirSync(settings.cpuProfileDirectory, { recursive: true });
  log(`CPU profiles of the gateways (each thread, written as it stops) go to ${settings.cpuProfileDirectory}`);
  return ['--cpu-prof', '--cpu-prof-dir', settings.cpuProfileDirectory];
}

/**
 * Redis commands per call two ways: INFO commandstats deltas over `commandStatsCalls` calls, 10 at a time
 * (the bench's own Redis, so nothing else is counted; Redis counts the commands a script runs as well as the
 * script's own EVALSHA), and the commands clients sent, from MONITOR (governance.ts), one call at a time.
 */
async function countRedisCommands(redis: import('ioredis').Redis, redisTarget: Target, shape: RequestShape): Promise<OneCoreResults['redisCommands']> {
  const scenario = { name: redisTarget.name, target: redisTarget, shape };
  const pool = openPool(redisTarget, 10);
  try {
    await sendCalls(pool, scenario, 200, 10);
    // Settlement runs after the answer is sent: let the warm-up's finish before counting.
    await sleep(300);
    const before = await readCommandStats(redis);
    await sendCalls(pool, scenario, commandStatsCalls, 10);
    await sleep(300);
    const delta = commandStatsDelta(before, await readCommandStats(redis));
    const clientSent = (await redisCommandsPhase(redis, [redisTarget])).get(redisTarget.name) ?? Number.NaN;
    return { calls: commandStatsCalls, byCommand: delta, clientSentPerCall: clientSent };
  } finally {
    await pool.destroy();
  }
}

/**
 * The gateway's memory after `requestsBeforeMemory` calls (those of the earlier phases count), then across
 * `streamsForMemory` streams, read every tenth of the way: growth there would be a leak per stream.
 */
async function memoryUnderLoad(settings: OneCoreSettings, sluice: RunningSluice, sluiceTargets: Target[], shape: RequestShape): Promise<Omit<MemoryTrack, 'idle'>> {
  const [sluiceTarget] = sluiceTargets;
  const answered = () => sluiceTargets.reduce((total, each) => total + each.requestsSent, 0);
  const remaining = Math.max(0, settings.requestsBeforeMemory - answered());
  log(`memory: ${remaining} more calls, until the gateway has answered ${settings.requestsBeforeMemory}`);
  const pool = openPool(sluiceTarget!, 50);
  try {
    await sendCalls(pool, { name: sluiceTarget!.name, target: sluiceTarget!, shape }, remaining, 50);
    await sleep(2_000);
    const afterRequests = { requests: answered(), reading: readMemory(sluice.pid) };
    log(`  after ${afterRequests.requests} calls: ${afterRequests.reading.residentMiB} MiB (peak ${afterRequests.reading.peakResidentMiB} MiB)`);
    const streamsScenario = { name: `${sluiceTarget!.name} streams`, target: sluiceTarget!, shape: shapes.openAiStream };
    const acrossStreams = [{ streams: 0, residentMiB: readMemory(sluice.pid).residentMiB }];
    const every = Math.max(1, Math.round(settings.streamsForMemory / 10));
    await sendCalls(pool, streamsScenario, settings.streamsForMemory, 50, {
      every,
      onProgress: (streams) => acrossStreams.push({ streams, residentMiB: readMemory(sluice.pid).residentMiB }),
    });
    log(`  across ${settings.streamsForMemory} streams: ${acrossStreams.map((point) => point.residentMiB).join(' → ')} MiB`);
    return { afterRequests, acrossStreams, peakResidentMiB: readMemory(sluice.pid).peakResidentMiB };
  } finally {
    await pool.destroy();
  }
}

export function runOneCoreAndStop(): void {
  runOneCore()
    .catch((error: unknown) => {
      process.stderr.write(`one-core bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    })
    .finally(stopAll);
}
