import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { maximumOutcomesPerWrite, parseOutcomes } from '../analytics/outcome-input.js';
import type { EvalOutcome, OutcomeWrite } from '../domain/eval-outcome.js';
import { GatewayError } from '../errors/gateway-error.js';
import { harborOutcome, readHarborTrialResults } from './harbor-results.js';
import { openStore, type CommonOptions } from './open-store.js';

/**
 * `sluice outcomes record` and `sluice outcomes import`: what a trial's verifier said, written to the store
 * the gateway uses (as `sluice keys` does), validated by the same rules as `POST /analytics/outcomes`.
 */
export function outcomesCommand(): Command {
  const outcomes = new Command('outcomes').description("record evaluation trials' outcomes (reward, pass or fail) for their runs");

  outcomes
    .command('record')
    .description("record one trial's outcome; recording a (run, trial) again replaces it")
    .requiredOption('--run <run>', 'the run, as its calls were labelled (x-sluice-run)')
    .requiredOption('--trial <trial>', 'the trial, as its calls were labelled (x-sluice-trial)')
    .requiredOption('--reward <reward>', "the verifier's score, 0 to 1", rewardFlag)
    .option('--passed', 'the trial passed (absent: it failed)', false)
    .option('--task <task>', 'the task the trial attempted')
    .option('--metadata <json>', 'a JSON object kept beside the outcome', metadataFlag)
    .option('--config <path>', 'path to sluice.yaml')
    .action(async (options: CommonOptions & { run: string; trial: string; reward: number; passed: boolean; task?: string; metadata?: Record<string, unknown> }) => {
      const body = { run: options.run, trial: options.trial, reward: options.reward, passed: options.passed, task: options.task, metadata: options.metadata };
      const [outcome] = validated([{ where: 'outcome', item: body }]);
      const [write] = await record(options, [outcome!]);
      process.stdout.write(`${write === 'created' ? 'Recorded' : 'Replaced'} run ${outcome!.run} trial ${outcome!.trial}: reward ${outcome!.reward}, ${outcome!.passed ? 'passed' : 'failed'}\n`);
    });

  outcomes
    .command('import <path>')
    .description('record many outcomes: a JSON-lines file (one outcome object a line), or Harbor trial results (--format harbor)')
    .addOption(new Option('--format <format>', 'jsonl: one outcome object a line; harbor: a trial result.json, or a job folder of them').choices(['jsonl', 'harbor']).default('jsonl'))
    .option('--run <run>', 'the run (required for harbor, whose files do not name it; for jsonl, the run of lines that name none)')
    .option('--pass-at <reward>', 'harbor: a trial passed when its reward is at least this', rewardFlag, 1)
    .option('--config <path>', 'path to sluice.yaml')
    .action(async (path: string, options: CommonOptions & { format: 'jsonl' | 'harbor'; run?: string; passAt: number }) => {
      const items = options.format === 'harbor' ? await harborItems(path, options.run, options.passAt) : await jsonLineItems(path, options.run);
      if (items.length === 0) throw new Error(`${path}: no outcomes found`);
      const writes = await record(options, validated(items));
      const created = writes.filter((write) => write === 'created').length;
      process.stdout.write(`Imported ${writes.length} outcome${writes.length === 1 ? '' : 's'}: ${created} created, ${writes.length - created} replaced\n`);
    });

  return outcomes;
}

interface SourcedItem {
  /** Where the item came from, for an error: `line 3`, a file name. */
  where: string;
  item: unknown;
}

/** Every item checked before anything is written, each error naming its line or file; a (run, trial) given twice is refused. */
function validated(items: readonly SourcedItem[]): EvalOutcome[] {
  const now = Date.now();
  const seen = new Map<string, string>();
  return items.map(({ where, item }) => {
    let outcome: EvalOutcome;
    try {
      outcome = parseOutcomes(item, now).outcomes[0]!;
    } catch (error) {
      if (error instanceof GatewayError) throw new Error(`${where}: ${error.message}`);
      throw error;
    }
    const pair = `${outcome.run}\u0000${outcome.trial}`;
    const earlier = seen.get(pair);
    if (earlier !== undefined) throw new Error(`${where}: run '${outcome.run}' trial '${outcome.trial}' was already given (${earlier})`);
    seen.set(pair, where);
    return outcome;
  });
}

async function record(options: CommonOptions, outcomes: readonly EvalOutcome[]): Promise<OutcomeWrite[]> {
  const { store } = await openStore(options);
  try {
    const writes: OutcomeWrite[] = [];
    for (let start = 0; start < outcomes.length; start += maximumOutcomesPerWrite) {
      writes.push(...(await store.recordOutcomes(outcomes.slice(start, start + maximumOutcomesPerWrite))));
    }
    return writes;
  } finally {
    await store.close();
  }
}

async function jsonLineItems(path: string, run: string | undefined): Promise<SourcedItem[]> {
  const lines = (await readFile(path, 'utf8')).split('\n');
  const items: SourcedItem[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${path} line ${index + 1}`;
    let item: unknown;
    try {
      item = JSON.parse(line);
    } catch (error) {
      throw new Error(`${where}: not JSON (${(error as Error).message})`);
    }
    if (run !== undefined && item !== null && typeof item === 'object' && !Array.isArray(item) && !('run' in item)) item = { run, ...item };
    items.push({ where, item });
  });
  return items;
}

async function harborItems(path: string, run: string | undefined, passAt: number): Promise<SourcedItem[]> {
  if (run === undefined) throw new Error("--format harbor needs --run: Harbor's result files do not name the Sluice run");
  const results = await readHarborTrialResults(path);
  return results.map(({ file, result }) => ({ where: file, item: harborOutcome(result, run, passAt, file) }));
}

function rewardFlag(value: string): number {
  const reward = Number(value);
  if (value.trim() === '' || !Number.isFinite(reward) || reward < 0 || reward > 1) throw new InvalidArgumentError('expected a number from 0 to 1.');
  return reward;
}

function metadataFlag(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('expected a JSON object.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgumentError('expected a JSON object.');
  return parsed as Record<string, unknown>;
}
