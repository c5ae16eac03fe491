import { Command, InvalidArgumentError, Option } from 'commander';
import type { UsageGrouping } from '../domain/usage-summary.js';
import { formatTable } from './format-table.js';
import { openStore, type CommonOptions } from './open-store.js';

const units: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseWindow(window: string): number {
  const match = /^(\d+)\s*([mhdw])$/.exec(window.trim());
  if (!match) throw new Error(`--window: expected a duration such as 30m, 24h, 7d or 2w, got '${window}'`);
  return Number(match[1]) * (units[match[2] ?? 'h'] ?? 0);
}

/** An empty filter would match no row by accident (the analytics API refuses one too). */
function nonEmpty(flag: string): (value: string) => string {
  return (value) => {
    if (value.length === 0) throw new InvalidArgumentError(`${flag} needs a name.`);
    return value;
  };
}

export function usageCommand(): Command {
  return new Command('usage')
    .description('calls, tokens and cost over a window, grouped')
    .option('--window <duration>', 'how far back: 30m, 24h, 7d, 2w', '24h')
    .addOption(
      new Option('--by <grouping>', 'group rows by (group: model group; target: provider:model that served; requester: end user)')
        .choices(['model', 'key', 'user', 'team', 'provider', 'group', 'target', 'requester'] satisfies UsageGrouping[])
        .default('model'),
    )
    .option('--requester <name>', "only the calls made for this requester (x-sluice-user, else the body's user)", nonEmpty('--requester'))
    .option('--json', 'print JSON')
    .option('--config <path>', 'path to sluice.yaml')
    .action(async (options: CommonOptions & { window: string; by: UsageGrouping; requester?: string; json?: boolean }) => {
      const since = Date.now() - parseWindow(options.window);
      const { store } = await openStore(options);
      const summary = await store.summarizeUsage({ since, by: options.by, requester: options.requester });
      await store.close();
      if (options.json) {
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        return;
      }
      const rows = summary.map((row) => [
        row.group ?? '(none)',
        row.requests,
        row.errors,
        row.inputTokens,
        row.outputTokens,
        row.cacheReadTokens,
        row.costUsd === null ? 'unknown' : `$${row.costUsd.toFixed(6)}`,
      ]);
      const title = options.by.toUpperCase();
      const scope = options.requester === undefined ? '' : ` for requester '${options.requester}'`;
      process.stdout.write(`Usage over the last ${options.window}${scope}:\n`);
      process.stdout.write(`${formatTable([title, 'CALLS', 'ERRORS', 'INPUT', 'OUTPUT', 'CACHE READ', 'COST'], rows)}\n`);
    });
}
