import { setFlagsFromString } from 'node:v8';
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

/**
 * The usage writer thread's heap. It holds its modules and the price catalogue (~12 MB) and one batch at a
 * time (500 rows, ~1 MB once deserialized). A young generation of 6 MB (2 MB semi-spaces, against V8's 8 MB
 * otherwise) still takes a whole batch, and the old-generation cap, far above what it needs, also makes V8
 * collect sooner on a small heap. Past the cap the thread ends with ERR_WORKER_OUT_OF_MEMORY and its batches
 * go to a new one (WorkerUsageSink), so the cap bounds memory without losing rows.
 */
export const usageWriterThreadLimits: ResourceLimits = { maxYoungGenerationSizeMb: 6, maxOldGenerationSizeMb: 96 };

/**
 * The rollup compactor thread's heap: as the writer's young generation; a higher old-generation cap because a
 * pass over a busy day reads that day's minute packs (a thread over its cap would fail the same pass again on
 * every interval, so the cap is kept well clear of any day's packs).
 */
export const rollupCompactorThreadLimits: ResourceLimits = { maxYoungGenerationSizeMb: 6, maxOldGenerationSizeMb: 256 };
