import type { EvalOutcome, OutcomeWrite, RunCall, RunSummary, RunSummaryQuery } from '../../domain/eval-outcome.js';
import { byCreation, requestCallOf, requestIdsPerRead, runCallColumns, runCallOf } from '../run-call-row.js';
import type { OutcomeStore } from '../store.js';
import type { PostgresDatabase, Row } from './postgres-database.js';

/** Evaluation outcomes in PostgreSQL (`eval_outcomes`), and runs summed from `usage_rows` by run. */
export class PostgresOutcomes implements OutcomeStore {
  constructor(private readonly database: PostgresDatabase) {}

  async recordOutcomes(outcomes: readonly EvalOutcome[]): Promise<OutcomeWrite[]> {
    if (outcomes.length === 0) return [];
    // One statement for the batch; `xmax = 0` holds for a row this statement inserted, not one it updated.
    const result = await this.database.query(
      `INSERT INTO eval_outcomes (run_id, trial_id, reward, passed, task, metadata, recorded_at)
       SELECT * FROM UNNEST($1::text[], $2::text[], $3::float8[], $4::boolean[], $5::text[], $6::text[], $7::bigint[])
       ON CONFLICT (run_id, trial_id) DO UPDATE SET reward = EXCLUDED.reward, passed = EXCLUDED.passed, task = EXCLUDED.task,
       metadata = EXCLUDED.metadata, recorded_at = EXCLUDED.recorded_at
       RETURNING run_id, trial_id, (xmax = 0) AS created`,
      [
        outcomes.map((outcome) => outcome.run),
        outcomes.map((outcome) => outcome.trial),
        outcomes.map((outcome) => outcome.reward),
        outcomes.map((outcome) => outcome.passed),
        outcomes.map((outcome) => outcome.task),
        outcomes.map((outcome) => (outcome.metadata === null ? null : JSON.stringify(outcome.metadata))),
        outcomes.map((outcome) => outcome.recordedAt),
      ],
    );
    const created = new Map(result.rows.map((row) => [`${String(row.run_id)}\u0000${String(row.trial_id)}`, row.created === true]));
    return outcomes.map((outcome) => (created.get(`${outcome.run}\u0000${outcome.trial}`) ? 'created' : 'replaced'));
  }

  async listOutcomes(run: string): Promise<EvalOutcome[]> {
    const result = await this.database.query('SELECT * FROM eval_outcomes WHERE run_id = $1 ORDER BY trial_id', [run]);
    return result.rows.map((row: Row) => ({
      run: String(row.run_id),
      trial: String(row.trial_id),
      reward: Number(row.reward),
      passed: row.passed === true,
      task: (row.task as string | null) ?? null,
      metadata: row.metadata === null ? null : (JSON.parse(String(row.metadata)) as Record<string, unknown>),
      recordedAt: Number(row.recorded_at),
    }));
  }

  async summarizeRuns(query: RunSummaryQuery): Promise<RunSummary[]> {
    const calls = await this.database.query(
      `SELECT run_id, COUNT(*) AS calls, COUNT(DISTINCT trial_id) AS trials, COALESCE(SUM(cost_usd), 0) AS cost_usd,
              MIN(created_at) AS first_call_at, MAX(created_at) AS last_call_at
       FROM usage_rows WHERE run_id IS NOT NULL AND created_at >= $1 AND created_at < $2
       GROUP BY run_id ORDER BY last_call_at DESC, run_id LIMIT $3`,
      [query.from, query.to, query.limit],
    );
    if (calls.rows.length === 0) return [];
    const runs = calls.rows.map((row) => String(row.run_id));
    const groups = await this.database.query(
      `SELECT DISTINCT run_id, group_name FROM usage_rows
       WHERE run_id = ANY($1::text[]) AND created_at >= $2 AND created_at < $3 AND group_name IS NOT NULL ORDER BY group_name`,
      [runs, query.from, query.to],
    );
    const outcomes = await this.database.query(
      `SELECT run_id, COUNT(*) AS outcomes, SUM(CASE WHEN passed THEN 1 ELSE 0 END) AS passed, SUM(reward) AS reward_sum
       FROM eval_outcomes WHERE run_id = ANY($1::text[]) GROUP BY run_id`,
      [runs],
    );
    const outcomesByRun = new Map(outcomes.rows.map((row) => [String(row.run_id), row]));
    return calls.rows.map((row) => {
      const run = String(row.run_id);
      const scored = outcomesByRun.get(run);
      return {
        run,
        calls: Number(row.calls),
        trials: Number(row.trials),
        costUsd: Number(row.cost_usd),
        firstCallAt: Number(row.first_call_at),
        lastCallAt: Number(row.last_call_at),
        groups: groups.rows.filter((group) => String(group.run_id) === run).map((group) => String(group.group_name)),
        outcomes: Number(scored?.outcomes ?? 0),
        passed: Number(scored?.passed ?? 0),
        rewardSum: Number(scored?.reward_sum ?? 0),
      };
    });
  }

  async runCalls(runs: readonly string[], limit: number): Promise<RunCall[]> {
    if (runs.length === 0) return [];
    const result = await this.database.query(
      `SELECT ${runCallColumns} FROM usage_rows WHERE run_id = ANY($1::text[]) ORDER BY created_at, id LIMIT $2`,
      [runs, limit],
    );
    return result.rows.map(runCallOf);
  }

  async requestCalls(ids: readonly string[], run: string): Promise<RunCall[]> {
    const rows: Row[] = [];
    for (let start = 0; start < ids.length; start += requestIdsPerRead) {
      const result = await this.database.query(`SELECT id, created_at, ${runCallColumns} FROM usage_rows WHERE id = ANY($1::text[])`, [ids.slice(start, start + requestIdsPerRead)]);
      rows.push(...result.rows);
    }
    return rows.sort(byCreation).map((row) => requestCallOf(row, run));
  }
}
