import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

/**
 * How many cores this process may use: the CPUs its affinity allows (`taskset`, cpusets; Node's
 * `availableParallelism` reads the affinity) and, below that, a cgroup v2 CPU quota (`cpu.max`, which is how a
 * container is given "1 CPU" on a bigger host), rounded up. `cpuMax` is the text of `/sys/fs/cgroup/cpu.max`, or
 * undefined where there is none (no cgroup v2, or not Linux).
 */
export function coresAvailable(parallelism: number, cpuMax: string | undefined): number {
  const [quota, period] = (cpuMax ?? '').trim().split(/\s+/);
  const quotaCores = quota === undefined || quota === 'max' || quota === '' ? Infinity : Math.ceil(Number(quota) / Number(period));
  return Math.max(1, Math.min(parallelism, Number.isFinite(quotaCores) && quotaCores > 0 ? quotaCores : Infinity));
}

/** Read once at start: the cgroup v2 quota file, or undefined. */
function readCpuMax(): string | undefined {
  try {
    return readFileSync('/sys/fs/cgroup/cpu.max', 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * V8 marks the old generation on helper threads while JavaScript runs ("concurrent marking"). With cores to
 * spare that takes the work off the event loop; on one core the helpers take the core *from* the event loop for
 * whole scheduler slices, and every call in flight waits: measured on a gateway pinned to one core at 500 req/s,
 * the added p99 over a bare proxy went from +15.9 to +3.9 ms (limits in process) and from +42.5 to +8.5 ms
 * (Redis mode) with concurrent marking off (BENCHMARKS.md, one-core section). Marking then runs in small
 * incremental steps on the event loop itself, between calls. Nothing changes with two cores or more.
 *
 * Process-wide (worker threads too) and read each time a marking cycle starts, so `sluice serve` sets it first
 * thing, before its worker threads start. `--single-threaded-gc`, which would also do it, cannot be set at run
 * time (V8 aborts); a `--concurrent-marking` or `--single-threaded-gc` given to node by the operator wins.
 */
export function applyGarbageCollectionSettings(
  options: { cores?: number; execArgv?: readonly string[]; setFlags?: (flags: string) => void } = {},
): { concurrentMarking: boolean } {
  const { cores = coresAvailable(availableParallelism(), readCpuMax()), execArgv = process.execArgv, setFlags = setFlagsFromString } = options;
  const operatorChose = execArgv.some((option) => /concurrent-marking|single-threaded-gc/.test(option));
  if (operatorChose || cores > 1) return { concurrentMarking: !execArgv.some((option) => /no-concurrent-marking|single-threaded-gc/.test(option)) };
  setFlags('--no-concurrent-marking');
  return { concurrentMarking: false };
}
