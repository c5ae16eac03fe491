import type { DialectName } from '../domain/dialect-name.js';
import type { ReplayAnswer } from './replay-answer.js';

/** The request a verifier is shown: the original as the caller sent it (the same for both answers). */
export interface VerifiedRequest {
  requestId: string;
  dialect: DialectName;
  method: string;
  path: string;
  /** The parsed request body (messages, tools, response format…). */
  body: unknown;
}

/**
 * Scores an answer from 0 to 1. `reference` is the original answer: verifiers that compare (`exact`,
 * `tool-call-same`) score it against that; the others read the answer alone. The original itself is scored
 * with itself as the reference, so a comparing verifier gives it 1.
 */
export interface Verifier {
  /** As given on the command line (`regex:^yes`, `./check.ts`). */
  readonly name: string;
  score(request: VerifiedRequest, answer: ReplayAnswer, reference: ReplayAnswer): number | Promise<number>;
}

/** A score a verifier returned, checked: a number from 0 to 1, or an error naming what came back. */
export function checkedScore(value: unknown, verifier: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new Error(`verifier ${verifier} returned ${typeof value === 'number' ? value : typeof value}, not a number from 0 to 1`);
  }
  return value;
}
