/**
 * The indexes of `usage_rows` by user, team, model group and evaluation run, rebuilt to hold only rows that
 * have one (the same SQL for both databases). Every query they serve compares the column with a value (`=`,
 * `IN`, `= ANY`, `IS NOT NULL`), which a NULL never matches, so both planners still use them; a row without a
 * user, a team, a group or a run (a plain model, a key without a team: most rows of most gateways) no longer
 * costs the usage writer an insert into each. A migration: appended, never edited.
 */
const partialIndexes = [
  ['usage_rows_user_created_at', 'user_name'],
  ['usage_rows_team_created_at', 'team_name'],
  ['usage_rows_group_created_at', 'group_name'],
  ['usage_rows_run_created_at', 'run_id'],
] as const;

export const usagePartialIndexesSql = partialIndexes
  .map(([name, column]) => `DROP INDEX IF EXISTS ${name};\n  CREATE INDEX ${name} ON usage_rows (${column}, created_at) WHERE ${column} IS NOT NULL;`)
  .join('\n  ');
