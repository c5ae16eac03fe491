import { Command, Option } from 'commander';
import { keyRoles, type KeyRole } from '../domain/key-role.js';
import { generateGatewayKey } from '../keys/gateway-key.js';
import { issueGatewayKey } from '../keys/issue-gateway-key.js';
import { formatTable } from './format-table.js';
import { isRunLabel, runLabelRule } from '../domain/run-label.js';
import { addCaptureOptions, captureFromFlags, describeCapture, type CaptureFlags } from './capture-option.js';
import { addDefaultModelOption, defaultModelFromFlag } from './default-model-option.js';
import { addGroupBudgetOption, groupBudgetsFromFlag } from './group-budget-option.js';
import { addLimitOptions, describeLimits, limitsFromFlags, type LimitFlags } from './limit-options.js';
import type { LimitSettings } from '../domain/limits.js';
import { openStore, type CommonOptions } from './open-store.js';

export function keysCommand(): Command {
  const keys = new Command('keys').description('issue, list and revoke gateway API keys');

  const issue = keys
    .command('issue')
    .description('issue a new gateway key and print its token once')
    .requiredOption('--name <name>', 'unique name for the key')
    .option('--user <user>', 'user the key belongs to ("" or absent: none)')
    .option('--team <team>', 'team the key belongs to ("" or absent: none)')
    .option('--models <models>', 'comma-separated allow-list: models, aliases, provider:* patterns')
    .addOption(new Option('--role <role>', 'operator access: admin (everything), analytics (analytics API and dashboard), metrics (/metrics), user (none)').choices(keyRoles))
    .option('--admin', 'the same as --role admin', false)
    .option('--run <run>', 'the evaluation run every call with this key belongs to (for agents that cannot set x-sluice-run)')
    .option('--config <path>', 'path to sluice.yaml');
  addDefaultModelOption(issue);
  addGroupBudgetOption(issue);
  addCaptureOptions(issue);
  addLimitOptions(issue).action(
    async (options: CommonOptions & LimitFlags & GroupBudgetFlag & CaptureFlags & { name: string; user?: string; team?: string; models?: string; defaultModel?: string; admin: boolean; role?: KeyRole; run?: string }) => {
      if (options.admin && options.role !== undefined && options.role !== 'admin') throw new Error(`--admin contradicts --role ${options.role}`);
      const run = runFromFlag(options.run);
      const capture = captureFromFlags(options);
      const { store } = await openStore(options);
      try {
        const allowedModels = options.models?.split(',').map((model) => model.trim()).filter(Boolean);
        const { token, key } = await issueGatewayKey(store, {
          name: options.name,
          // As on `keys update`, "" means none (an empty name would be a user or team nobody can address).
          userName: options.user?.trim() || undefined,
          teamName: options.team?.trim() || undefined,
          allowedModels,
          role: options.role ?? (options.admin ? 'admin' : 'user'),
          limits: withGroupBudgets(limitsFromFlags(options), options.groupBudget),
          defaultModel: defaultModelFromFlag(options.defaultModel),
          run,
          capture,
        });
        process.stderr.write(`Issued key ${key.id} (${key.name}). Store this token now; it is not shown again:\n`);
        process.stdout.write(`${token}\n`);
      } catch (error) {
        if (/UNIQUE constraint failed: gateway_keys.name|duplicate key value violates unique constraint "gateway_keys_name_key"/.test(String(error))) {
          throw new Error(`a key named '${options.name}' already exists`);
        }
        throw error;
      } finally {
        await store.close();
      }
    },
  );

  const update = keys
    .command('update <idOrName>')
    .description("change a key's user, team, allow-list, default model or limits (flags not given keep their value)")
    .option('--user <user>', 'user the key belongs to ("" clears it)')
    .option('--team <team>', 'team the key belongs to ("" clears it)')
    .option('--models <models>', 'comma-separated allow-list ("" allows every model)')
    .addOption(new Option('--role <role>', 'operator access: admin, analytics, metrics or user').choices(keyRoles))
    .option('--run <run>', 'the evaluation run the key\'s calls belong to ("" clears it)')
    .option('--config <path>', 'path to sluice.yaml');
  addDefaultModelOption(update);
  addGroupBudgetOption(update);
  addCaptureOptions(update);
  addLimitOptions(update).action(async (idOrName: string, options: CommonOptions & LimitFlags & GroupBudgetFlag & CaptureFlags & { user?: string; team?: string; models?: string; defaultModel?: string; role?: KeyRole; run?: string }) => {
    const { store } = await openStore(options);
    try {
      const existing = (await store.listKeys()).find((key) => key.id === idOrName || key.name === idOrName);
      if (!existing) throw new Error(`no key with id or name '${idOrName}'`);
      const updated = await store.updateKey(idOrName, {
        ...(options.user !== undefined ? { userName: options.user.trim() === '' ? null : options.user } : {}),
        ...(options.team !== undefined ? { teamName: options.team.trim() === '' ? null : options.team } : {}),
        ...(options.models !== undefined
          ? { allowedModels: options.models.trim() === '' ? null : options.models.split(',').map((model) => model.trim()).filter(Boolean) }
          : {}),
        ...(options.role !== undefined ? { role: options.role } : {}),
        ...(options.run !== undefined ? { run: options.run.trim() === '' ? null : runFromFlag(options.run) } : {}),
        limits: withGroupBudgets(limitsFromFlags(options, existing.limits), options.groupBudget),
        defaultModel: defaultModelFromFlag(options.defaultModel, existing.defaultModel),
        capture: captureFromFlags(options, existing.capture),
      });
      const defaultModel = updated!.defaultModel === null ? '' : `; default model ${updated!.defaultModel}`;
      const capture = updated!.capture === null ? '' : `; capture ${describeCapture(updated!.capture)}`;
      process.stdout.write(`Updated ${updated!.id} (${updated!.name}): ${describeLimits(updated!.limits)}${defaultModel}${capture}\n`);
    } finally {
      await store.close();
    }
  });

  keys
    .command('generate')
    .description('print a new key without storing it: give it to a deployment as SLUICE_ADMIN_KEY or SLUICE_METRICS_KEY')
    .action(() => {
      process.stdout.write(`${generateGatewayKey().token}\n`);
    });

  keys
    .command('list')
    .description('list keys (never their tokens)')
    .option('--json', 'print JSON')
    .option('--config <path>', 'path to sluice.yaml')
    .action(async (options: CommonOptions & { json?: boolean }) => {
      const { store } = await openStore(options);
      const list = await store.listKeys();
      await store.close();
      if (options.json) {
        process.stdout.write(`${JSON.stringify(list.map(({ hash: _hash, ...key }) => key), null, 2)}\n`);
        return;
      }
      const rows = list.map((key) => [
        key.id,
        key.name,
        key.hint,
        key.userName ?? '',
        key.teamName ?? '',
        key.allowedModels?.join(',') ?? '*',
        key.defaultModel ?? '',
        key.role === 'user' ? '' : key.role,
        key.run ?? '',
        describeCapture(key.capture),
        describeLimits(key.limits),
        key.revokedAt ? `revoked ${new Date(key.revokedAt).toISOString()}` : 'active',
      ]);
      process.stdout.write(`${formatTable(['ID', 'NAME', 'KEY', 'USER', 'TEAM', 'MODELS', 'DEFAULT MODEL', 'ROLE', 'RUN', 'CAPTURE', 'LIMITS', 'STATUS'], rows)}\n`);
    });

  keys
    .command('revoke <idOrName>')
    .description('revoke a key by id or name; running gateways refuse it within keys.refreshIntervalMs (250 ms)')
    .option('--config <path>', 'path to sluice.yaml')
    .action(async (idOrName: string, options: CommonOptions) => {
      const { store } = await openStore(options);
      const revoked = await store.revokeKey(idOrName);
      await store.close();
      if (!revoked) throw new Error(`no key with id or name '${idOrName}'`);
      process.stdout.write(`Revoked ${revoked.id} (${revoked.name}).\n`);
    });

  return keys;
}

interface GroupBudgetFlag {
  /** Every `--group-budget group=usd` given, in order. */
  groupBudget?: string[];
}

/** The limits with the key's group budgets as the flags leave them (none left: the field goes). */
function withGroupBudgets(limits: LimitSettings, flags: readonly string[] | undefined): LimitSettings {
  const groupBudgets = groupBudgetsFromFlag(flags, limits.groupBudgets);
  const { groupBudgets: _stored, ...rest } = limits;
  return groupBudgets === undefined || Object.keys(groupBudgets).length === 0 ? rest : { ...rest, groupBudgets };
}

/** `--run R`: a run label (see domain/run-label.ts), or undefined when the flag is absent. */
function runFromFlag(flag: string | undefined): string | undefined {
  if (flag === undefined) return undefined;
  if (!isRunLabel(flag)) throw new Error(`--run must be ${runLabelRule}`);
  return flag;
}
