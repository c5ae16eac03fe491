import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Harbor's trial results as outcomes (`sluice outcomes import --format harbor`). Harbor writes one
 * `result.json` per trial (`jobs/<job>/<trial>/result.json`, its `TrialResult`), beside a job-level
 * `result.json` of another shape. What is read of a trial's:
 *
 * - `trial_name` → `trial`; `task_name` → `task`;
 * - `verifier_result.rewards.reward` (Harbor's reward file, `reward.txt` or `reward.json`'s `reward`) →
 *   `reward`; a `rewards` map with one entry is that entry; a flat `verifier_result.reward` is read too;
 * - `passed`: the reward is at least `passAt` (1 by default: Harbor's tasks score 1 for solved);
 * - a trial that ended in an exception before its verifier ran scores 0 and fails;
 * - `metadata`: Harbor's trial id, the agent and its model, and the exception's type, when there are.
 *
 * The run is not in Harbor's files: it is the one the agents' calls were labelled with, given by `--run`.
 */
export interface HarborOutcome {
  run: string;
  trial: string;
  reward: number;
  passed: boolean;
  task: string | null;
  metadata: Record<string, unknown>;
}

/** The trial results under `path`: the file itself, or every `result.json` with a `trial_name` up to two folders down. */
export async function readHarborTrialResults(path: string): Promise<Array<{ file: string; result: Record<string, unknown> }>> {
  const files = (await stat(path)).isDirectory() ? await resultFilesUnder(path, 2) : [path];
  const results: Array<{ file: string; result: Record<string, unknown> }> = [];
  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file}: not JSON (${(error as Error).message})`);
    }
    // A job's own result.json (no trial_name) sits beside its trials' folders.
    if (parsed !== null && typeof parsed === 'object' && typeof (parsed as Record<string, unknown>).trial_name === 'string') {
      results.push({ file, result: parsed as Record<string, unknown> });
    }
  }
  return results;
}

async function resultFilesUnder(directory: string, depth: number): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries.sort((first, second) => first.name.localeCompare(second.name))) {
    const path = join(directory, entry.name);
    if (entry.isFile() && entry.name === 'result.json') found.push(path);
    else if (entry.isDirectory() && depth > 0) found.push(...(await resultFilesUnder(path, depth - 1)));
  }
  return found;
}

export function harborOutcome(result: Record<string, unknown>, run: string, passAt: number, file: string): HarborOutcome {
  const trial = result.trial_name as string;
  const task = typeof result.task_name === 'string' && result.task_name.length > 0 ? result.task_name : null;
  const verifier = objectOrNull(result.verifier_result);
  const exception = objectOrNull(result.exception_info);
  const reward = verifier === null ? null : rewardOf(verifier);
  if (reward === null && exception === null) throw new Error(`${file}: trial '${trial}' has no verifier_result reward and no exception_info`);
  const agent = objectOrNull(result.agent_info);
  const metadata: Record<string, unknown> = { source: 'harbor' };
  if (typeof result.id === 'string') metadata.harbor_trial_id = result.id;
  if (typeof agent?.name === 'string') metadata.agent = agent.name;
  const model = objectOrNull(agent?.model_info);
  if (typeof model?.name === 'string') metadata.model = model.name;
  if (typeof exception?.exception_type === 'string') metadata.exception = exception.exception_type;
  const score = reward ?? 0;
  return { run, trial, reward: score, passed: reward !== null && score >= passAt, task, metadata };
}

function rewardOf(verifier: Record<string, unknown>): number | null {
  const rewards = objectOrNull(verifier.rewards);
  if (rewards !== null) {
    if (typeof rewards.reward === 'number') return rewards.reward;
    const values = Object.values(rewards);
    if (values.length === 1 && typeof values[0] === 'number') return values[0];
  }
  return typeof verifier.reward === 'number' ? verifier.reward : null;
}

function objectOrNull(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
