import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import type { ResourceLimits } from 'node:worker_threads';

/**
 * How far V8 lets the old generation grow past what survived the last full GC before it collects again, in
 * percent. V8's own choice on a machine with gigabytes of memory is up to 300% (×4): the gateway keeps ~30 MB
 * live, and its request garbage reached ~130 MB of heap before a full GC (BENCHMARKS.md, one-core section).
 * At 50% the heap stays near 45 MB for a few more concurrent-marking passes a minute (measured there).
 */
export const heapGrowingPercent = 50;

/**
 * Applies the gateway process's V8 memory settings; `sluice serve` calls it once at start. Process-wide (every
 * thread's isolate) and read each time V8 recomputes its limits, so setting it at run time takes effect.
 * A `--heap-growing-percent` given to node (command line or NODE_OPTIONS) wins.
 */
export function applyGatewayMemorySettings(
  options: { execArgv?: readonly string[]; nodeOptions?: string; setFlags?: (flags: string) => void } = {},
): void {
  const { execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? '', setFlags = setFlagsFromString } = options;
  if ([...execArgv, nodeOptions].some((option) => option.includes('heap-growing-percent'))) return;
  setFlags(`--heap-growing-percent=${heapGrowingPercent}`);
}

/** V8's own growth factor for the young generation, which `releaseYoungGenerationGrowth` puts back. */
export const defaultSemiSpaceGrowthFactor = 2;

/**
 * The request thread's young generation at most, both semi-spaces together: what `--max-semi-space-size=4`
 * would give, against V8's 2 × 16 MB on a machine with gigabytes of memory. After 30,000 calls at 50
 * connections the gateway was ~20 MB smaller for ~5% more CPU a call (more frequent scavenges; BENCHMARKS.md,
 * one-core section, and docs/operations.md, Memory).
 */
export const youngGenerationCapMb = 8;

interface ProcessOptions {
  execArgv?: readonly string[];
  nodeOptions?: string;
  setFlags?: (flags: string) => void;
}

/** Whether the operator sized the young generation themselves (command line or NODE_OPTIONS): then it is theirs. */
function youngGenerationGiven(execArgv: readonly string[], nodeOptions: string): boolean {
  return [...execArgv, nodeOptions].some((option) => option.includes('semi-space'));
}

/**
 * Keeps V8's young generation at its starting size while the CLI's modules load and the gateway starts
 * (main.ts calls it before importing anything else). Loading and starting keep most of what they allocate,
 * and V8 reads that survival as a reason to grow the young generation to its maximum (2 × 16 MB on the
 * request thread), which this V8 never gives back when the process then sits idle: ~26 MB resident for a
 * gateway serving nothing. Held, the young generation stays at 2 × 2 MB until traffic grows it (~8 MB more
 * old generation holds what would have died young; start takes ~3% longer).
 */
export function holdYoungGenerationGrowth(options: ProcessOptions = {}): void {
  const { execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? '', setFlags = setFlagsFromString } = options;
  if (youngGenerationGiven(execArgv, nodeOptions)) return;
  setFlags('--semi-space-growth-factor=1');
}

export interface YoungGenerationWatch {
  /** The request thread's young generation now, in bytes (both semi-spaces). */
  newSpaceBytes(): number;
  /** Calls `check` after each garbage collection until the returned function is called. */
  afterEachCollection(check: () => void): () => void;
}

/** The young generation as V8 reports it, read after each collection (a `gc` performance observer). */
const v8YoungGeneration: YoungGenerationWatch = {
  newSpaceBytes: () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0,
  afterEachCollection(check) {
    const observer = new PerformanceObserver(check);
    observer.observe({ entryTypes: ['gc'] });
    return () => observer.disconnect();
  },
};

/**
 * Gives the young generation V8's own growth back (`sluice serve` once listening, any other command at once),
 * up to `youngGenerationCapMb`: V8 takes its maximum only when the process starts, so the cap is kept by
 * holding the growth again once a collection finds the young generation there (checked after each collection
 * until then, then no more). The growth factor is the process's, so a writer thread started after that keeps
 * its starting young generation too (its own cap, `usageWriterThreadLimits`, is 2 × 2 MB).
 */
export function releaseYoungGenerationGrowth(options: ProcessOptions & { youngGeneration?: YoungGenerationWatch } = {}): void {
  const { execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? '', setFlags = setFlagsFromString, youngGeneration = v8YoungGeneration } = options;
  if (youngGenerationGiven(execArgv, nodeOptions)) return;
  const capped = () => youngGeneration.newSpaceBytes() >= youngGenerationCapMb * 1024 * 1024;
  if (capped()) return;
  setFlags(`--semi-space-growth-factor=${defaultSemiSpaceGrowthFactor}`);
  const stopWatching = youngGeneration.afterEachCollection(() => {
    if (!capped()) return;
    setFlags('--semi-space-growth-factor=1');
    stopWatching();
  });
}

/**
 * The usage writer thread's heap. It holds its modules and the price catalogue (~12 MB), one batch at a time
 * (500 rows, ~1 MB once deserialized) and, between batches, one rollup compaction step (an hour's minute
 * packs, and the day's hour packs when the mark passes a day). A young generation of 6 MB (2 MB
 * semi-spaces, against V8's 8 MB otherwise) still takes a whole batch. The old-generation cap is kept well
 * clear of a busy day's packs (a thread over it would fail the same step again on every interval). Past it
 * the thread ends with ERR_WORKER_OUT_OF_MEMORY and its batches go to a new one (WorkerUsageSink), so the cap
 * bounds memory without losing rows.
 */
export const usageWriterThreadLimits: ResourceLimits = { maxYoungGenerationSizeMb: 6, maxOldGenerationSizeMb: 256 };
