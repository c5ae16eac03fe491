/**
 * What a verifier said about one trial of an evaluation run (issue 22 §1): Harbor's reward, a test suite's
 * pass or fail. One per (run, trial); recording it again replaces it.
 */
export interface EvalOutcome {
  run: string;
  trial: string;
  /** 0..1: the verifier's score. */
  reward: number;
  passed: boolean;
  /** The task the trial attempted, when the harness names one. */
  task: string | null;
  /** Whatever else the harness wants kept beside it (bounded in size by the API). */
  metadata: Record<string, unknown> | null;
  /** Epoch milliseconds of the last write. */
  recordedAt: number;
}

/** Whether a write made the trial's outcome or replaced the one recorded before. */
export type OutcomeWrite = 'created' | 'replaced';

/** One run as `GET /analytics/runs` lists it: its calls in the window and its outcomes (all of them). */
export interface RunSummary {
  run: string;
  calls: number;
  /** Distinct trial ids seen on the run's calls. */
  trials: number;
  /** Sum of the calls' `cost_usd` (unpriced calls count 0). */
  costUsd: number;
  firstCallAt: number;
  lastCallAt: number;
  /** Model groups the run's calls went to, by name. */
  groups: string[];
  outcomes: number;
  passed: number;
  /** Sum of the outcomes' rewards; with `outcomes`, the mean. */
  rewardSum: number;
}

export interface RunSummaryQuery {
  from: number;
  to: number;
  /** The most recently active runs first, at most this many. */
  limit: number;
}

/** One call of a run as the compare report reads it: only the columns it measures. */
export interface RunCall {
  run: string;
  /** Null for a call sent without a trial label. */
  trial: string | null;
  provider: string | null;
  /** The model sent upstream (the serving target's), else the one requested. */
  model: string | null;
  /** The call was answered (`outcome = 'ok'`). */
  served: boolean;
  cached: boolean;
  /** USD; null when unpriced. */
  costUsd: number | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  latencyMs: number;
  timeToFirstByteMs: number | null;
  attempts: number;
  /** Attempts that tried the same target as the one before (as the routing report counts them). */
  retries: number;
  fallback: boolean;
  /** How long the serving attempt took; null when the last attempt failed or there was none. */
  servingMs: number | null;
}
