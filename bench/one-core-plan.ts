import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * The one-core mode of `npm run bench` (`BENCH_ONE_CORE=1 npm run bench`, or `npm run bench:one-core`):
 * every gateway, the bare proxy included, pinned with `taskset` to one core, whole process; the upstream,
 * the bench's own Redis and the load generator on the other. What a deployment that gives the gateway one
 * core gets, measured against the bare proxy in the same run.
 */
export interface OneCoreSettings {
  /** Length of one round of one scenario, seconds (`BENCH_ONE_CORE_ROUND_SECONDS`, default 5). */
  roundSeconds: number;
  /** Rounds per scenario, the order rotating between them (the three reps, interleaved). */
  reps: number;
  /** Closed-loop connection counts, each a phase of its own. */
  connections: number[];
  /** Calls per second offered in the open-loop phase. */
  rate: number;
  /** Calls the gateway has answered when its memory after load is read (`BENCH_ONE_CORE_REQUESTS`, default 250,000). */
  requestsBeforeMemory: number;
  /** Streams sent while its memory is watched for growth (`BENCH_ONE_CORE_STREAMS`, default 10,000). */
  streamsForMemory: number;
  /** Streams per target for the first-content figure, one at a time. */
  firstContentStreams: number;
  /** Where `node --cpu-prof` writes the gateways' profiles (`BENCH_CPU_PROF`); none when unset. */
  cpuProfileDirectory: string | undefined;
  /** The core the gateways are pinned to, and the one everything else runs on. */
  gatewayCore: string;
  otherCore: string;
  /** Bytes of the non-streaming chat answer the upstream gives, usage included. */
  answerBytes: number;
}

export function oneCoreRequested(env: NodeJS.ProcessEnv, argv: readonly string[]): boolean {
  return env.BENCH_ONE_CORE === '1' || argv.includes('--one-core');
}

export function readOneCoreSettings(env: NodeJS.ProcessEnv): OneCoreSettings {
  const positive = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got '${env[name]}'`);
    return value;
  };
  return {
    roundSeconds: positive('BENCH_ONE_CORE_ROUND_SECONDS', 5),
    reps: 3,
    connections: [10, 50],
    rate: 500,
    requestsBeforeMemory: Math.round(positive('BENCH_ONE_CORE_REQUESTS', 250_000)),
    streamsForMemory: Math.round(positive('BENCH_ONE_CORE_STREAMS', 10_000)),
    firstContentStreams: 200,
    cpuProfileDirectory: env.BENCH_CPU_PROF || undefined,
    gatewayCore: '0',
    otherCore: '1',
    answerBytes: 610,
  };
}

/** Stops the run early on a machine where pinning cannot separate the gateway from its load. */
export function checkTwoCores(): void {
  if (cpus().length < 2) throw new Error('the one-core mode needs two cores: one for the gateway, one for the upstream and the load');
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('the one-core mode needs taskset (util-linux)');
  }
}

/** Pins this process, every thread of it, to `cpuList`: the load generator stays off the gateway's core. */
export function pinThisProcess(cpuList: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpuList, String(process.pid)], { stdio: 'ignore' });
}

/** Each thread of `pid` and the cores it may run on, read from /proc: the check that the pinning holds. */
export function threadAffinity(pid: number): { threads: number; cpuLists: string[] } {
  const lists = readdirSync(`/proc/${pid}/task`).map((thread) => /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/task/${thread}/status`, 'utf8'))?.[1] ?? '?');
  return { threads: lists.length, cpuLists: [...new Set(lists)] };
}

export const oneCoreNames = {
  bare: 'bare undici proxy',
  sluice: 'sluice (auth, usage rows with rollups, metrics)',
  budgets: 'sluice, rpm + tpm + concurrency + budget',
  redisBudgets: 'sluice on Redis, rpm + tpm + concurrency + budget',
  cacheHit: 'sluice, cache hit',
} as const;
