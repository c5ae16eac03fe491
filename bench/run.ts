import { writeBenchSection } from './benchmarks-file.js';
import { cpus, loadavg } from 'node:os';
import { names, readSettings, shapes } from './bench-plan.js';
import { ForeignLoadMeter } from './cpu-time.js';
import type { Scenario, Target } from './http-target.js';
import { log } from './log.js';
import { latencyPhase, streamingPhase, throughputPhase } from './phases.js';
import { readMemory, startBareProxy, startUpstream, stopAll, stopProcess, type MemoryReading, type RunningProcess } from './processes.js';
import { renderReport, type BenchResults } from './report.js';
import { checkAuthenticationIsOn, countUsageRows, startSluice } from './sluice-process.js';
import { connectBenchRedis } from './bench-redis.js';
import { governanceTargets, redisCommandsPhase } from './governance.js';
import { admissionCost, groupAdmissionCost } from './admission-cost.js';
import { routePickCost } from './route-pick.js';
import { metricsCost } from './metrics-cost.js';
import { runOneCoreAndStop } from './one-core.js';
import { oneCoreRequested } from './one-core-plan.js';

/**
 * `npm run bench`: the fake upstream, a bare undici proxy and Sluice, each in its own process, measured
 * side by side in one run. Ratios matter; absolute numbers on a shared 2-core machine are noise.
 */
async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const upstream = await startUpstream();
  const bare = await startBareProxy(upstream.url);
  const sluice = await startSluice(upstream.url);
  const redis = await connectBenchRedis();
  const sluiceOnRedis = redis ? await startSluice(upstream.url, { redisUrl: redis.url }) : undefined;
  const providerHeaders = { authorization: 'Bearer bench-openai-key', 'x-api-key': 'bench-anthropic-key', 'anthropic-version': '2023-06-01' };
  const directTarget: Target = { name: names.direct, url: upstream.url, headers: providerHeaders, pid: upstream.pid, requestsSent: 0 };
  const bareTarget: Target = { name: names.bare, url: bare.url, headers: providerHeaders, pid: bare.pid, requestsSent: 0 };
  const sluiceHeaders = { authorization: `Bearer ${sluice.keys.standard}` };
  const sluiceTarget: Target = { name: names.sluice, url: sluice.url, headers: sluiceHeaders, pid: sluice.pid, requestsSent: 0 };
  const targets = [directTarget, bareTarget, sluiceTarget];
  const governance = governanceTargets(sluice, sluiceOnRedis);
  await checkAuthenticationIsOn(sluice);
  const processes: Record<string, RunningProcess> = { [names.direct]: upstream, [names.bare]: bare, [names.sluice]: sluice };
  if (sluiceOnRedis) processes['sluice on Redis'] = sluiceOnRedis;
  const idleMemory = readMemories(processes);
  const loadAverageAtStart = loadavg()[0] ?? 0;
  if (loadAverageAtStart > 0.5) log(`warning: load average ${loadAverageAtStart.toFixed(2)} before the start; if others are busy, numbers will be noisy`);
  const foreignLoad = new ForeignLoadMeter(() => [process.pid, upstream.pid, bare.pid, sluice.pid, ...(sluiceOnRedis ? [sluiceOnRedis.pid] : [])]);

  const throughputTargets = [...targets, ...governance.policy];
  const throughput = await throughputPhase(settings, throughputTargets.map((target) => ({ name: target.name, target, shape: shapes.plain })));

  const latencyScenarios: Scenario[] = [
    ...targets.map((target) => ({ name: target.name, target, shape: shapes.delayed })),
    { name: names.translated, target: sluiceTarget, shape: shapes.translatedDelayed },
    { name: names.failover, target: sluiceTarget, shape: shapes.failoverDelayed },
    ...[...governance.policy, ...governance.cacheHits].map((target) => ({ name: target.name, target, shape: shapes.delayed })),
  ];
  const latency = await latencyPhase(settings, latencyScenarios);

  const { firstByte, relay } = await streamingPhase(settings, targets, sluiceTarget);
  const redisCommands = redis ? await redisCommandsPhase(redis.redis, governance.onRedis) : undefined;
  const admission = await admissionCost();
  const groupAdmission = await groupAdmissionCost();
  const routePick = await routePickCost();
  const metrics = await metricsCost();
  redis?.redis.disconnect();

  const afterLoadMemory = readMemories(processes);
  const foreignCores = foreignLoad.read();
  // A clean stop flushes every queued usage row; only then does the count mean anything.
  const allTargets = [...throughputTargets, ...governance.cacheHits];
  const usage = [];
  for (const [name, running] of [[names.sluice, sluice], ['sluice on Redis', sluiceOnRedis]] as const) {
    if (!running) continue;
    const stopMs = await stopProcess(running);
    const rowsWritten = countUsageRows(running);
    const callsSent = allTargets.filter((target) => target.pid === running.pid).reduce((total, target) => total + target.requestsSent, 0);
    log(`${name} stopped in ${stopMs.toFixed(0)} ms; ${rowsWritten} usage rows for ${callsSent} calls`);
    usage.push({ name, callsSent, rowsWritten, stopMs });
  }

  const results: BenchResults = {
    date: new Date().toISOString(),
    node: process.version,
    machine: `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'})`,
    settings,
    machineLoad: { loadAverageAtStart, foreignCores },
    throughput,
    latency,
    firstByte,
    relay,
    memory: Object.keys(processes).map((name) => ({ name, idle: idleMemory.get(name)!, afterLoad: afterLoadMemory.get(name)! })),
    usage,
    redisCommands,
    admission,
    groupAdmission,
    routePick,
    metrics,
  };
  const report = renderReport(results);
  writeBenchSection('request-path', report);
  process.stdout.write(`\n${report}`);
}

function readMemories(processes: Record<string, RunningProcess>): Map<string, MemoryReading> {
  return new Map(Object.entries(processes).map(([name, running]) => [name, readMemory(running.pid)]));
}

if (oneCoreRequested(process.env, process.argv)) {
  runOneCoreAndStop();
} else {
  main()
    .catch((error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    })
    .finally(stopAll);
}
