import type Database from 'better-sqlite3';
import type { EvalOutcome, OutcomeWrite, RunCall, RunSummary, RunSummaryQuery } from '../../domain/eval-outcome.js';
import { byCreation, requestCallOf, requestIdsPerRead, runCallColumns, runCallOf } from '../run-call-row.js';
import type { OutcomeStore } from '../store.js';
import { guarded } from './sqlite-database.js';

interface OutcomeRowShape {
  run_id: string;
  trial_id: string;
  reward: number;
  passed: number;
  task: string | null;
  metadata: string | null;
  recorded_at: number;
}

/** Evaluation outcomes in the SQLite file (`eval_outcomes`), and runs summed from `usage_rows` by run. */
export class SqliteOutcomes implements OutcomeStore {
  readonly #exists: Database.Statement;
  readonly #upsert: Database.Statement;

  constructor(private readonly database: Database.Database) {
    this.#exists = database.prepare('SELECT 1 FROM eval_outcomes WHERE run_id = ? AND trial_id = ?');
    this.#upsert = database.prepare(
      `INSERT INTO eval_outcomes (run_id, trial_id, reward, passed, task, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, trial_id) DO UPDATE SET reward = excluded.reward, passed = excluded.passed, task = excluded.task,
       metadata = excluded.metadata, recorded_at = excluded.recorded_at`,
    );
  }

  async recordOutcomes(outcomes: readonly EvalOutcome[]): Promise<OutcomeWrite[]> {
    return guarded(() =>
      // One transaction: a bulk import lands whole or not at all, and "replaced" is read where it is written.
      this.database
        .transaction(() =>
          outcomes.map((outcome): OutcomeWrite => {
            const existed = this.#exists.get(outcome.run, outcome.trial) !== undefined;
            this.#upsert.run(
              outcome.run,
              outcome.trial,
              outcome.reward,
              outcome.passed ? 1 : 0,
              outcome.task,
              outcome.metadata === null ? null : JSON.stringify(outcome.metadata),
              outcome.recordedAt,
            );
            return existed ? 'replaced' : 'created';
          }),
        )
        .immediate(),
    );
  }

  async listOutcomes(run: string): Promise<EvalOutcome[]> {
    return guarded(() =>
      (this.database.prepare('SELECT * FROM eval_outcomes WHERE run_id = ? ORDER BY trial_id').all(run) as OutcomeRowShape[]).map((row) => ({
        run: row.run_id,
        trial: row.trial_id,
        reward: row.reward,
        passed: row.passed === 1,
        task: row.task,
        metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>),
        recordedAt: row.recorded_at,
      })),
    );
  }

  async summarizeRuns(query: RunSummaryQuery): Promise<RunSummary[]> {
    return guarded(() => {
      // `run_id IS NOT NULL` with the window is a range scan of usage_rows_run_created_at.
      const calls = this.database
        .prepare(
          `SELECT run_id, COUNT(*) AS calls, COUNT(DISTINCT trial_id) AS trials, COALESCE(SUM(cost_usd), 0) AS cost_usd,
                  MIN(created_at) AS first_call_at, MAX(created_at) AS last_call_at
           FROM usage_rows INDEXED BY usage_rows_run_created_at
           WHERE run_id IS NOT NULL AND created_at >= ? AND created_at < ?
           GROUP BY run_id ORDER BY last_call_at DESC, run_id LIMIT ?`,
        )
        .all(query.from, query.to, query.limit) as Array<{ run_id: string; calls: number; trials: number; cost_usd: number; first_call_at: number; last_call_at: number }>;
      if (calls.length === 0) return [];
      const runs = calls.map((row) => row.run_id);
      const marks = runs.map(() => '?').join(', ');
      const groups = this.database
        .prepare(
          `SELECT DISTINCT run_id, group_name FROM usage_rows
           WHERE run_id IN (${marks}) AND created_at >= ? AND created_at < ? AND group_name IS NOT NULL ORDER BY group_name`,
        )
        .all(...runs, query.from, query.to) as Array<{ run_id: string; group_name: string }>;
      const outcomes = this.database
        .prepare(
          `SELECT run_id, COUNT(*) AS outcomes, SUM(passed) AS passed, SUM(reward) AS reward_sum
           FROM eval_outcomes WHERE run_id IN (${marks}) GROUP BY run_id`,
        )
        .all(...runs) as Array<{ run_id: string; outcomes: number; passed: number; reward_sum: number }>;
      const outcomesByRun = new Map(outcomes.map((row) => [row.run_id, row]));
      return calls.map((row) => {
        const scored = outcomesByRun.get(row.run_id);
        return {
          run: row.run_id,
          calls: row.calls,
          trials: row.trials,
          costUsd: row.cost_usd,
          firstCallAt: row.first_call_at,
          lastCallAt: row.last_call_at,
          groups: groups.filter((group) => group.run_id === row.run_id).map((group) => group.group_name),
          outcomes: scored?.outcomes ?? 0,
          passed: scored?.passed ?? 0,
          rewardSum: scored?.reward_sum ?? 0,
        };
      });
    });
  }

  async runCalls(runs: readonly string[], limit: number): Promise<RunCall[]> {
    if (runs.length === 0) return [];
    return guarded(() => {
      const marks = runs.map(() => '?').join(', ');
      const rows = this.database
        .prepare(`SELECT ${runCallColumns} FROM usage_rows INDEXED BY usage_rows_run_created_at WHERE run_id IN (${marks}) ORDER BY created_at, id LIMIT ?`)
        .all(...runs, limit) as Array<Record<string, unknown>>;
      return rows.map(runCallOf);
    });
  }

  async requestCalls(ids: readonly string[], run: string): Promise<RunCall[]> {
    return guarded(() => {
      const rows: Array<Record<string, unknown>> = [];
      for (let start = 0; start < ids.length; start += requestIdsPerRead) {
        const slice = ids.slice(start, start + requestIdsPerRead);
        const marks = slice.map(() => '?').join(', ');
        rows.push(...(this.database.prepare(`SELECT id, created_at, ${runCallColumns} FROM usage_rows WHERE id IN (${marks})`).all(...slice) as Array<Record<string, unknown>>));
      }
      return rows.sort(byCreation).map((row) => requestCallOf(row, run));
    });
  }
}
