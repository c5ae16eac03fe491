import { GatewayError } from '../errors/gateway-error.js';
import type { OutcomeStore } from '../store/store.js';
import { compareReport } from './compare-report.js';

export const minimumComparedRuns = 2;
export const maximumComparedRuns = 5;
/** The rows one comparison reads at most: past this the answer is a 400 rather than minutes of work. */
export const maximumComparedCalls = 200_000;
const longestRunId = 128;

/** `runs=A,B[,C…]`: two to five distinct run ids, in the order given (the first is the baseline). */
export function parseComparedRuns(text: string | undefined): string[] {
  const runs = (text ?? '').split(',').map((run) => run.trim()).filter((run) => run !== '');
  const refuse = (message: string) => new GatewayError('invalid_request', message, { param: 'runs' });
  if (runs.length < minimumComparedRuns || runs.length > maximumComparedRuns) {
    throw refuse(`'runs' must name ${minimumComparedRuns} to ${maximumComparedRuns} runs, comma-separated (runs=A,B).`);
  }
  if (new Set(runs).size !== runs.length) throw refuse(`'runs' names a run twice.`);
  const tooLong = runs.find((run) => run.length > longestRunId);
  if (tooLong !== undefined) throw refuse(`A run id is at most ${longestRunId} characters.`);
  return runs;
}

/**
 * Reads the runs' calls (by the run index, bounded) and outcomes and builds the compare report. A run with
 * neither is a 404 naming it — most likely a typo — rather than a column of zeros. Shared by the API and
 * the CLI, so `sluice compare --json` is the API's answer (the gateway runs it in its compare thread:
 * `compare-runs-thread.ts`).
 */
export async function compareRuns(store: OutcomeStore, runs: readonly string[]) {
  const calls = await store.runCalls(runs, maximumComparedCalls + 1);
  if (calls.length > maximumComparedCalls) {
    throw new GatewayError('invalid_request', `These runs have more than ${maximumComparedCalls} calls in all; compare fewer or smaller runs.`, { param: 'runs' });
  }
  const outcomes = new Map(await Promise.all(runs.map(async (run) => [run, await store.listOutcomes(run)] as const)));
  const seen = new Set(calls.map((call) => call.run));
  const missing = runs.find((run) => !seen.has(run) && outcomes.get(run)!.length === 0);
  if (missing !== undefined) throw new GatewayError('run_not_found', `No calls or outcomes for run '${missing}'.`, { param: 'runs' });
  return compareReport({ runs, calls, outcomes });
}
