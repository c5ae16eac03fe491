import { Command } from 'commander';
import type { PrincipalKind } from '../domain/principal-record.js';
import { formatTable } from './format-table.js';
import { addCaptureOptions, captureFromFlags, describeCapture, type CaptureFlags } from './capture-option.js';
import { addDefaultModelOption, defaultModelFromFlag } from './default-model-option.js';
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
  if (kind === 'team') {
    set.option('--models <models>', 'comma-separated allow-list for every key of the team ("" clears it)');
    addDefaultModelOption(set);
    addCaptureOptions(set);
  }
  set.action(async (name: string, options: CommonOptions & LimitFlags & CaptureFlags & { models?: string; defaultModel?: string }) => {
    const { store } = await openStore(options);
    try {
      const existing = (await store.listPrincipals(kind)).find((principal) => principal.name === name);
      const allowedModels =
        options.models === undefined
          ? (existing?.allowedModels ?? null)
          : options.models.trim() === ''
            ? null
            : options.models.split(',').map((model) => model.trim()).filter(Boolean);
      const defaultModel = defaultModelFromFlag(options.defaultModel, existing?.defaultModel);
      const capture = kind === 'team' ? captureFromFlags(options, existing?.capture) : null;
      const saved = await store.setPrincipal(kind, { name, limits: limitsFromFlags(options, existing?.limits), allowedModels, defaultModel, capture });
      const models = saved.allowedModels ? `; models ${saved.allowedModels.join(',')}` : '';
      const defaultModelText = saved.defaultModel === null ? '' : `; default model ${saved.defaultModel}`;
      const captureText = saved.capture === null ? '' : `; capture ${describeCapture(saved.capture)}`;
      process.stdout.write(`${kind} ${saved.name}: ${describeLimits(saved.limits)}${models}${defaultModelText}${captureText}\n`);
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
      const rows = principals.map((principal) => {
        const row = [principal.name, describeLimits(principal.limits), principal.allowedModels?.join(',') ?? '*'];
        return kind === 'team' ? [...row, principal.defaultModel ?? '', describeCapture(principal.capture)] : row;
      });
      const headers = kind === 'team' ? ['NAME', 'LIMITS', 'MODELS', 'DEFAULT MODEL', 'CAPTURE'] : ['NAME', 'LIMITS', 'MODELS'];
      process.stdout.write(`${formatTable(headers, rows)}\n`);
    });
  return command;
}
