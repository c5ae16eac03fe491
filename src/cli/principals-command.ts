import { Command } from 'commander';
import type { PrincipalKind } from '../store/store.js';
import { formatTable } from './format-table.js';
import { addLimitOptions, describeLimits, limitsFromFlags, type LimitFlags } from './limit-options.js';
import { openStore, type CommonOptions } from './open-store.js';

/** `sluice users …` and `sluice teams …`: limits and budgets shared by every key of a user or team. */
export function principalsCommand(kind: PrincipalKind): Command {
  const plural = `${kind}s`;
  const command = new Command(plural).description(`set limits and budgets for ${plural}, shared by all their keys`);

  const set = command
    .command('set <name>')
    .description(`create or change a ${kind}'s limits (flags not given keep their value)`)
    .option('--config <path>', 'path to sluice.yaml');
  addLimitOptions(set);
  if (kind === 'team') set.option('--models <models>', 'comma-separated allow-list for every key of the team ("" clears it)');
  set.action(async (name: string, options: CommonOptions & LimitFlags & { models?: string }) => {
    const { store } = await openStore(options);
    try {
      const existing = (await store.listPrincipals(kind)).find((principal) => principal.name === name);
      const allowedModels =
        options.models === undefined
          ? (existing?.allowedModels ?? null)
          : options.models.trim() === ''
            ? null
            : options.models.split(',').map((model) => model.trim()).filter(Boolean);
      const saved = await store.setPrincipal(kind, { name, limits: limitsFromFlags(options, existing?.limits), allowedModels });
      process.stdout.write(`${kind} ${saved.name}: ${describeLimits(saved.limits)}${saved.allowedModels ? `; models ${saved.allowedModels.join(',')}` : ''}\n`);
    } finally {
      await store.close();
    }
  });

  command
    .command('list')
    .description(`list ${plural} with their limits`)
    .option('--config <path>', 'path to sluice.yaml')
    .action(async (options: CommonOptions) => {
      const { store } = await openStore(options);
      const principals = await store.listPrincipals(kind);
      await store.close();
      const rows = principals.map((principal) => [principal.name, describeLimits(principal.limits), principal.allowedModels?.join(',') ?? '*']);
      process.stdout.write(`${formatTable(['NAME', 'LIMITS', 'MODELS'], rows)}\n`);
    });
  return command;
}
