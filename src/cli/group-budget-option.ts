import type { Command } from 'commander';

/** `--group-budget big-coder=50` on `keys issue` and `keys update`, repeatable. */
export function addGroupBudgetOption(command: Command): Command {
  return command.option(
    '--group-budget <group=usd>',
    "the key's share of a model group's budget: the most it may spend in the group per the group budget's period (a month when the group has none); repeat for several groups, =0 removes one",
    (value: string, previous: string[] = []) => [...previous, value],
  );
}

/**
 * The key's group budgets after the flags: each `group=usd` sets that group's, `group=0` removes it, and
 * groups not named keep their stored amount. Undefined when the flag was not given (nothing changes).
 */
export function groupBudgetsFromFlag(values: readonly string[] | undefined, existing: Record<string, number> | undefined): Record<string, number> | undefined {
  if (values === undefined) return existing;
  // A Map while merging: group names are the operator's text, never indexes into a plain object.
  const budgets = new Map(Object.entries(existing ?? {}));
  for (const value of values) {
    const match = /^([^=:\s]+)=(.*)$/.exec(value.trim());
    if (!match) throw new Error(`--group-budget: expected group=usd such as big-coder=50, got '${value}'`);
    const [, group, amount] = match as unknown as [string, string, string];
    if (group === '__proto__') throw new Error("--group-budget: '__proto__' cannot be a group name");
    const usd = Number(amount);
    if (amount.trim() === '' || !Number.isFinite(usd) || usd < 0) throw new Error(`--group-budget: expected an amount in USD ≥ 0 for '${group}', got '${amount}'`);
    if (usd === 0) budgets.delete(group);
    else budgets.set(group, usd);
  }
  return Object.fromEntries(budgets);
}

/** `big-coder $50, fast $5` for the key's summary line and `keys list`. */
export function describeGroupBudgets(budgets: Record<string, number> | undefined): string {
  return Object.entries(budgets ?? {})
    .map(([group, usd]) => `${group} $${usd}`)
    .join(', ');
}
