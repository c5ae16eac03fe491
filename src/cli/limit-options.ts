import { Command, Option } from 'commander';
import { maxQueueMs, type BudgetPeriod, type LimitSettings } from '../domain/limits.js';
import { describeGroupBudgets } from './group-budget-option.js';

export interface LimitFlags {
  rpm?: string;
  tpm?: string;
  concurrency?: string;
  queueMs?: string;
  budget?: string;
  softBudget?: string;
  budgetPeriod?: BudgetPeriod;
  timeoutFirstByteMs?: string;
  timeoutIdleMs?: string;
  timeoutTotalMs?: string;
}

/** A budget given without `--budget-period` and with no period stored yet is monthly. */
const defaultBudgetPeriod: BudgetPeriod = 'month';

/** The limit flags shared by `keys issue`, `keys update`, `users set` and `teams set`. */
export function addLimitOptions(command: Command): Command {
  return (
    command
      .option('--rpm <n>', 'requests per minute (0 = no limit)')
      .option('--tpm <n>', 'tokens per minute, estimated before the call and settled after (0 = no limit)')
      .option('--concurrency <n>', 'requests in flight at once (0 = no limit)')
      .option('--queue-ms <n>', `with --concurrency: wait up to N ms, first come first served, for a slot instead of a 429 (0 = no wait, at most ${maxQueueMs})`)
      .option('--budget <usd>', 'hard budget in USD per period: refused beyond it (0 = none)')
      .option('--soft-budget <usd>', 'soft budget in USD per period: served with a warning beyond it (0 = none)')
      // No commander default: a default would be indistinguishable from a flag the user gave, and would
      // silently turn a stored daily budget into a monthly one on every update.
      .addOption(new Option('--budget-period <period>', `budget period, calendar UTC (a new budget is per ${defaultBudgetPeriod}; an update keeps the stored one)`).choices(['day', 'week', 'month']))
      .option('--timeout-first-byte-ms <n>', "ceiling on a stream's time to its first byte: the shorter of the target's and this applies (0 = none)")
      .option('--timeout-idle-ms <n>', 'ceiling on the longest silence inside a stream (0 = none)')
      .option('--timeout-total-ms <n>', 'ceiling on the whole duration of a call, streamed or not (0 = none)')
  );
}

function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isInteger(parsed) || parsed < 0) throw new Error(`${flag}: expected a whole number ≥ 0, got '${value}'`);
  return parsed;
}

function usd(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0) throw new Error(`${flag}: expected an amount in USD ≥ 0, got '${value}'`);
  return parsed;
}

/**
 * The flags given, merged over the stored settings: every flag not given keeps its stored value, the
 * budget period included.
 */
export function limitsFromFlags(flags: LimitFlags, existing: LimitSettings = {}): LimitSettings {
  const limits: LimitSettings = { ...existing };
  const requestsPerMinute = count(flags.rpm, '--rpm');
  const tokensPerMinute = count(flags.tpm, '--tpm');
  const concurrentRequests = count(flags.concurrency, '--concurrency');
  const queueMs = count(flags.queueMs, '--queue-ms');
  if (queueMs !== undefined && queueMs > maxQueueMs) throw new Error(`--queue-ms: at most ${maxQueueMs} (ten minutes), got '${flags.queueMs}'`);
  if (requestsPerMinute !== undefined) limits.requestsPerMinute = requestsPerMinute;
  if (tokensPerMinute !== undefined) limits.tokensPerMinute = tokensPerMinute;
  if (concurrentRequests !== undefined) limits.concurrentRequests = concurrentRequests;
  if (queueMs !== undefined) limits.queueMs = queueMs;
  const hardUsd = usd(flags.budget, '--budget') ?? existing.budget?.hardUsd;
  const softUsd = usd(flags.softBudget, '--soft-budget') ?? existing.budget?.softUsd;
  const budgetGiven = flags.budget !== undefined || flags.softBudget !== undefined || flags.budgetPeriod !== undefined;
  if (budgetGiven) {
    if (hardUsd === undefined && softUsd === undefined) {
      throw new Error('--budget-period: there is no budget to apply it to; give --budget or --soft-budget as well');
    }
    limits.budget = {
      period: flags.budgetPeriod ?? existing.budget?.period ?? defaultBudgetPeriod,
      ...(hardUsd !== undefined ? { hardUsd } : {}),
      ...(softUsd !== undefined ? { softUsd } : {}),
    };
  }
  const firstByteMs = count(flags.timeoutFirstByteMs, '--timeout-first-byte-ms');
  const idleMs = count(flags.timeoutIdleMs, '--timeout-idle-ms');
  const totalMs = count(flags.timeoutTotalMs, '--timeout-total-ms');
  if (firstByteMs !== undefined || idleMs !== undefined || totalMs !== undefined) {
    // Like the other limits, a clock not given keeps its stored ceiling.
    limits.timeouts = {
      ...existing.timeouts,
      ...(firstByteMs !== undefined ? { firstByteMs } : {}),
      ...(idleMs !== undefined ? { idleMs } : {}),
      ...(totalMs !== undefined ? { totalMs } : {}),
    };
  }
  return limits;
}

/** A short human summary such as `100 rpm, 20000 tpm, 4 at once, queue 2000 ms, $25/month, total ≤ 120000 ms`. */
export function describeLimits(limits: LimitSettings): string {
  const parts: string[] = [];
  if (limits.requestsPerMinute !== undefined) parts.push(limits.requestsPerMinute === 0 ? 'no rpm limit' : `${limits.requestsPerMinute} rpm`);
  if (limits.tokensPerMinute !== undefined) parts.push(limits.tokensPerMinute === 0 ? 'no tpm limit' : `${limits.tokensPerMinute} tpm`);
  if (limits.concurrentRequests !== undefined) parts.push(limits.concurrentRequests === 0 ? 'no concurrency limit' : `${limits.concurrentRequests} at once`);
  if (limits.queueMs !== undefined) parts.push(limits.queueMs === 0 ? 'no queue' : `queue ${limits.queueMs} ms`);
  if (limits.budget?.hardUsd !== undefined) parts.push(`$${limits.budget.hardUsd}/${limits.budget.period}`);
  if (limits.budget?.softUsd !== undefined) parts.push(`soft $${limits.budget.softUsd}/${limits.budget.period}`);
  const timeouts = limits.timeouts;
  if (timeouts?.firstByteMs !== undefined) parts.push(timeouts.firstByteMs === 0 ? 'no first-byte ceiling' : `first byte ≤ ${timeouts.firstByteMs} ms`);
  if (timeouts?.idleMs !== undefined) parts.push(timeouts.idleMs === 0 ? 'no idle ceiling' : `idle ≤ ${timeouts.idleMs} ms`);
  if (timeouts?.totalMs !== undefined) parts.push(timeouts.totalMs === 0 ? 'no total ceiling' : `total ≤ ${timeouts.totalMs} ms`);
  const groupBudgets = describeGroupBudgets(limits.groupBudgets);
  if (groupBudgets !== '') parts.push(`in groups: ${groupBudgets}`);
  return parts.join(', ') || 'defaults';
}
