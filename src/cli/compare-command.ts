import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { compareRuns, maximumComparedRuns, minimumComparedRuns, parseComparedRuns } from '../analytics/compare-runs.js';
import { GatewayError } from '../errors/gateway-error.js';
import { compareHtml } from './compare-html.js';
import { compareTable } from './compare-table.js';
import { openStore, type CommonOptions } from './open-store.js';

/**
 * `sluice compare A B [C…]`: the compare report of `GET /analytics/compare`, read from the store the gateway
 * uses (as `sluice outcomes` does): a terminal table, `--json` (the API's JSON) or a `--html` page.
 */
export function compareCommand(): Command {
  return new Command('compare')
    .description(`compare evaluation runs (${minimumComparedRuns} to ${maximumComparedRuns}): success, cost, tokens, routing and speed, and each run against the first`)
    .argument('<runs...>', 'the runs, as their calls were labelled (x-sluice-run); the first is the baseline')
    .option('--json', 'print the report as JSON (the same as GET /analytics/compare)', false)
    .option('--html <path>', 'also write a self-contained HTML page with charts to this file')
    .option('--config <path>', 'path to sluice.yaml')
    .action(async (runs: string[], options: CommonOptions & { json: boolean; html?: string }) => {
      const report = await withStore(options, (store) => compareRuns(store, parseComparedRuns(runs.join(','))));
      if (options.html !== undefined) await writeFile(options.html, compareHtml(report, new Date()));
      if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(compareTable(report));
      if (options.html !== undefined) process.stderr.write(`Wrote ${options.html}\n`);
    });
}

async function withStore<Result>(options: CommonOptions, use: (store: Awaited<ReturnType<typeof openStore>>['store']) => Promise<Result>): Promise<Result> {
  const { store } = await openStore(options);
  try {
    return await use(store);
  } catch (error) {
    // The API's refusals (a typo'd run, too many rows) read as plain CLI errors.
    if (error instanceof GatewayError) throw new Error(error.message);
    throw error;
  } finally {
    await store.close();
  }
}
