import { Redis } from 'ioredis';
import { shapes } from './bench-plan.js';
import { callOnce, openPool, type Scenario, type Target } from './http-target.js';
import { log } from './log.js';
import { commandStatsDelta, readCommandStats, scriptCommands, startPrivateRedis } from './private-redis.js';
import { runAtFixedRate } from './open-loop-latency.js';
import { startBareProxy, startUpstream, stopAll } from './processes.js';
import { startSluice, type RunningSluice } from './sluice-process.js';
import { median, rotate, summarize } from './statistics.js';
import { measureThroughput } from './throughput.js';

/**
 * `node dist/bench/redis-commands.js`: what Redis mode costs, side by side in one run.
 *
 * 1. Redis commands per request, from `INFO commandstats` deltas around N calls (no MONITOR): calls one at a
 *    time, then N calls 32 at a time, for a key with rpm, tpm, concurrency and a budget on the key, its user
 *    and its team, and for a key with no limit at all. `sent` counts script calls (EVALSHA): on the request
 *    path the gateway sends nothing else once a budget account is loaded (its first use in a period is a SET
 *    NX, done in the warm-up). commandstats also counts every command a script runs inside Redis: those are
 *    the `others`, listed by name. The cooldown mirror's refresh (a script every 250 ms, as the bench's
 *    config has a model group) is counted too: a few per second, whatever the traffic.
 * 2. Closed-loop throughput (32 callers) of the bare proxy, Sluice in process and Sluice on Redis.
 * 3. Open loop at a fixed rate (500 req/s, upstream answering after 50 ms): p50 and p99.
 *
 * BENCH_BASELINE_DIST=<another build's dist/> adds a second Sluice on Redis served from that build (say, the
 * commit before a change), measured in the same rounds: on a busy machine only side-by-side figures compare.
 *
 * The gateways and the bare proxy run pinned to one core (`BENCH_GATEWAY_CPUS`, default 1); the load
 * generator, the fake upstream and Redis on the other. Redis is a private `redis-server` started for the run
 * when one is on the PATH (so nobody else's commands land in the counts), else REDIS_URL.
 */
const gatewayCpus = process.env.BENCH_GATEWAY_CPUS ?? '1';
const otherCpus = process.env.BENCH_OTHER_CPUS ?? '0';
const countedCalls = Number(process.env.BENCH_COUNTED_CALLS ?? 500);
const throughputSeconds = Number(process.env.BENCH_THROUGHPUT_SECONDS ?? 4);
const throughputRounds = Number(process.env.BENCH_THROUGHPUT_ROUNDS ?? 4);
const rate = Number(process.env.BENCH_RATE ?? 500);
const latencySeconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 8);
const concurrency = 32;

/** The commands that run a script: what the gateway sends. */

async function main(): Promise<void> {
  const redis = await openRedis();
  const upstream = await startUpstream({ cpus: otherCpus });
  const bare = await startBareProxy(upstream.url, { cpus: gatewayCpus });
  const inProcess = await startSluice(upstream.url, { process: { cpus: gatewayCpus } });
  const onRedis = await startSluice(upstream.url, { process: { cpus: gatewayCpus }, redisUrl: redis.url });
  const baselineDist = process.env.BENCH_BASELINE_DIST;
  const baseline = baselineDist === undefined ? undefined : await startSluice(upstream.url, { process: { cpus: gatewayCpus }, redisUrl: redis.url, distDirectory: baselineDist });
  const providerHeaders = { authorization: 'Bearer bench-openai-key' };
  const target = (name: string, url: string, headers: Record<string, string>, pid: number): Target => ({ name, url, headers, pid, requestsSent: 0 });
  const sluiceTarget = (name: string, sluice: RunningSluice, key: string) => target(name, sluice.url, { authorization: `Bearer ${key}` }, sluice.pid);
  const targets = {
    bare: target('bare undici proxy', bare.url, providerHeaders, bare.pid),
    memoryLimited: sluiceTarget('in process, rpm+tpm+concurrency+budget', inProcess, inProcess.keys.budgeted),
    redisLimited: sluiceTarget('Redis, rpm+tpm+concurrency+budget', onRedis, onRedis.keys.budgeted),
    memoryUnlimited: sluiceTarget('in process, no limits', inProcess, inProcess.keys.unlimited),
    redisUnlimited: sluiceTarget('Redis, no limits', onRedis, onRedis.keys.unlimited),
  };
  const baselineLimited = baseline === undefined ? undefined : sluiceTarget('Redis (baseline build), rpm+tpm+concurrency+budget', baseline, baseline.keys.budgeted);
  log(`gateways on cpu ${gatewayCpus}; Redis at ${redis.url}${redis.private ? ' (private, started for this run)' : ''}`);

  const lines: string[] = ['## Redis commands per request (INFO commandstats deltas)', ''];
  lines.push('| key | calls | at once | script calls sent per request | other commands per request (inside scripts) | every command (per request) |', '|---|---|---|---|---|---|');
  const counted: Array<[Target, string]> = [
    [targets.redisLimited, 'rpm+tpm+concurrency+budget'],
    [targets.redisUnlimited, 'no limits'],
  ];
  if (baselineLimited !== undefined) counted.push([baselineLimited, 'baseline build: rpm+tpm+concurrency+budget']);
  for (const [scenario, key] of counted) {
    for (const atOnce of [1, concurrency]) {
      const counted = await countCommands(redis.client, { name: scenario.name, target: scenario, shape: shapes.plain }, atOnce);
      lines.push(`| ${key} | ${countedCalls} | ${atOnce} | ${counted.sent.toFixed(2)} | ${counted.inside.toFixed(2)} | ${counted.breakdown} |`);
      log(`  ${key}, ${atOnce} at once: ${counted.sent.toFixed(2)} sent per request (${counted.breakdown})`);
    }
  }

  const throughputTargets = [targets.bare, targets.memoryUnlimited, targets.redisUnlimited, targets.memoryLimited, targets.redisLimited, ...(baselineLimited ? [baselineLimited] : [])];
  const rates = await throughput(throughputTargets);
  const bareRate = rates.get(targets.bare.name)!;
  lines.push('', `## Closed loop, ${concurrency} callers, median of ${throughputRounds} rounds of ${throughputSeconds} s`, '');
  lines.push('| target | req/s | of bare proxy |', '|---|---|---|');
  for (const each of throughputTargets) {
    const value = rates.get(each.name)!;
    lines.push(`| ${each.name} | ${value.toFixed(0)} | ${((value / bareRate) * 100).toFixed(1)}% |`);
  }

  const latencyTargets = [targets.bare, targets.memoryLimited, targets.redisLimited, ...(baselineLimited ? [baselineLimited] : [])];
  const latencies = await openLoop(latencyTargets);
  const bareLatency = latencies.get(targets.bare.name)!;
  const memoryLatency = latencies.get(targets.memoryLimited.name)!;
  lines.push('', `## Open loop at ${rate} req/s, ${latencySeconds} s per target in 4 rotating rounds, upstream answers after 50 ms`, '');
  lines.push('| target | p50 ms | p99 ms | p99 added vs bare | p99 added vs in process |', '|---|---|---|---|---|');
  for (const each of latencyTargets) {
    const summary = latencies.get(each.name)!;
    lines.push(
      `| ${each.name} | ${summary.p50.toFixed(2)} | ${summary.p99.toFixed(2)} | ${(summary.p99 - bareLatency.p99).toFixed(2)} | ${(summary.p99 - memoryLatency.p99).toFixed(2)} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  redis.client.disconnect();
  stopAll();
  redis.stop();
}

/** Commands per request over `countedCalls` calls, `atOnce` in flight, after a warm-up and once settlements are done. */
async function countCommands(redis: Redis, scenario: Scenario, atOnce: number): Promise<{ sent: number; inside: number; breakdown: string }> {
  const pool = openPool(scenario.target, atOnce);
  try {
    // The warm-up loads the budget accounts (first use in a period) and opens the connections.
    for (let call = 0; call < 10; call++) await callOnce(pool, scenario);
    await quiet(redis);
    const before = await readCommandStats(redis);
    let next = 0;
    await Promise.all(
      Array.from({ length: atOnce }, async () => {
        while (next < countedCalls) {
          next++;
          await callOnce(pool, scenario);
        }
      }),
    );
    await quiet(redis);
    const deltas = commandStatsDelta(before, await readCommandStats(redis));
    const scriptCalls = [...deltas].filter(([name]) => scriptCommands.has(name)).reduce((sum, [, calls]) => sum + calls, 0);
    const others = [...deltas].filter(([name]) => !scriptCommands.has(name)).reduce((sum, [, calls]) => sum + calls, 0);
    const breakdown =
      [...deltas]
        .sort((left, right) => right[1] - left[1])
        .map(([name, calls]) => `${name} ${(calls / countedCalls).toFixed(2)}`)
        .join(', ') || 'none';
    return { sent: scriptCalls / countedCalls, inside: others / countedCalls, breakdown };
  } finally {
    await pool.destroy();
  }
}

/** Waits until Redis has seen no command but ours for a while: the gateway's settlements are all applied. */
async function quiet(redis: Redis): Promise<void> {
  let previous = -1;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    const stats = await readCommandStats(redis);
    const total = [...stats].filter(([name]) => name !== 'info' && name !== 'zrangebyscore').reduce((sum, [, calls]) => sum + calls, 0);
    if (total === previous) return;
    previous = total;
  }
}


async function throughput(targets: Target[]): Promise<Map<string, number>> {
  log(`throughput: ${throughputRounds} rounds of ${throughputSeconds} s per target, ${concurrency} callers`);
  const pools = new Map(targets.map((each) => [each.name, openPool(each, concurrency)]));
  const samples = new Map<string, number[]>(targets.map((each) => [each.name, []]));
  try {
    for (const each of targets) await measureThroughput(pools.get(each.name)!, scenarioOf(each), concurrency, 1);
    for (let round = 0; round < throughputRounds; round++) {
      for (const each of rotate(targets, round)) {
        const measured = await measureThroughput(pools.get(each.name)!, scenarioOf(each), concurrency, throughputSeconds);
        samples.get(each.name)!.push(measured.completed / measured.seconds);
      }
    }
  } finally {
    await Promise.all([...pools.values()].map((pool) => pool.destroy()));
  }
  const rates = new Map([...samples].map(([name, values]) => [name, median(values)]));
  for (const [name, value] of rates) log(`  ${name}: ${value.toFixed(0)} req/s`);
  return rates;
}

/** In rounds, the order rotating between them, so that a burst of someone else's load lands on every target alike. */
async function openLoop(targets: Target[]) {
  const rounds = 4;
  log(`open loop: ${rate} req/s, ${rounds} rounds of ${latencySeconds / rounds} s per target`);
  const pools = new Map(targets.map((each) => [each.name, openPool(each, 256)]));
  const samples = new Map<string, number[]>(targets.map((each) => [each.name, []]));
  const scenario = (each: Target): Scenario => ({ name: each.name, target: each, shape: shapes.delayed });
  try {
    for (const each of targets) await runAtFixedRate(pools.get(each.name)!, scenario(each), rate, 1);
    for (let round = 0; round < rounds; round++) {
      for (const each of rotate(targets, round)) {
        const measured = await runAtFixedRate(pools.get(each.name)!, scenario(each), rate, latencySeconds / rounds);
        samples.get(each.name)!.push(...measured.latencies);
      }
    }
  } finally {
    await Promise.all([...pools.values()].map((pool) => pool.destroy()));
  }
  const results = new Map([...samples].map(([name, latencies]) => [name, summarize(latencies)]));
  for (const [name, summary] of results) log(`  ${name}: p50 ${summary.p50.toFixed(2)} ms, p99 ${summary.p99.toFixed(2)} ms`);
  return results;
}

const scenarioOf = (each: Target): Scenario => ({ name: each.name, target: each, shape: shapes.plain });

/** The bench's own redis-server (bench/private-redis.ts) unless BENCH_SHARED_REDIS is set or none is installed, else REDIS_URL. */
async function openRedis(): Promise<{ url: string; client: Redis; private: boolean; stop(): void }> {
  const own = process.env.BENCH_SHARED_REDIS === undefined ? await startPrivateRedis(otherCpus) : undefined;
  if (own) return { url: own.url, client: own.redis, private: true, stop: own.stop };
  log('counting on REDIS_URL, where other clients may add to the counts');
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const client = new Redis(url, { connectTimeout: 2_000, maxRetriesPerRequest: 1 });
  await client.ping();
  return { url, client, private: false, stop: () => undefined };
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  stopAll();
  process.exit(1);
});
