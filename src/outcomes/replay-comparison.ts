import { maximumComparedCalls } from '../analytics/compare-runs.js';
import { compareReport, type CompareReport } from '../analytics/compare-report.js';
import type { OutcomeStore } from '../store/store.js';

/**
 * The compare report of the originals against their replay: the originals are the calls of the chosen
 * request ids (read by id, as the pseudo-run `replay-<id>:original`, each its own trial) with the verifier's
 * scores of their answers; the replay is its run. Trials are the original request ids on both sides, so the
 * report's B − A is the candidate against what served the originals, on the same requests.
 */
export async function compareReplay(store: Pick<OutcomeStore, 'runCalls' | 'requestCalls' | 'listOutcomes'>, replay: { run: string; originalRun: string; requestIds: readonly string[] }): Promise<CompareReport> {
  const [originalCalls, replayCalls, originalOutcomes, replayOutcomes] = await Promise.all([
    store.requestCalls(replay.requestIds, replay.originalRun),
    store.runCalls([replay.run], maximumComparedCalls + 1),
    store.listOutcomes(replay.originalRun),
    store.listOutcomes(replay.run),
  ]);
  if (replayCalls.length > maximumComparedCalls) throw new Error(`replay run ${replay.run} has more than ${maximumComparedCalls} calls; compare it in parts`);
  return compareReport({
    runs: [replay.originalRun, replay.run],
    calls: [...originalCalls, ...replayCalls],
    outcomes: new Map([
      [replay.originalRun, originalOutcomes],
      [replay.run, replayOutcomes],
    ]),
  });
}
