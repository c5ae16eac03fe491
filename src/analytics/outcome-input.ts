import { z } from 'zod';
import { isRunLabel, runLabelRule } from '../domain/run-label.js';
import type { EvalOutcome } from '../domain/eval-outcome.js';
import { GatewayError } from '../errors/gateway-error.js';

/** One request (or one import batch) records at most this many outcomes. */
export const maximumOutcomesPerWrite = 1000;
/** A trial's metadata, as JSON text, is at most this many bytes: it is a note beside a score, not a transcript. */
export const maximumMetadataBytes = 16_384;
const maximumTaskLength = 256;

const label = z.string().refine(isRunLabel, `must be ${runLabelRule}`);

/** What `POST /analytics/outcomes` and `sluice outcomes record` / `import` take for one trial. */
const outcomeBody = z
  .object({
    run: label,
    trial: label,
    reward: z.number().min(0).max(1),
    passed: z.boolean(),
    task: z.string().min(1).max(maximumTaskLength).nullish(),
    metadata: z
      .record(z.unknown())
      .refine((metadata) => Buffer.byteLength(JSON.stringify(metadata)) <= maximumMetadataBytes, `must be at most ${maximumMetadataBytes} bytes as JSON`)
      .nullish(),
  })
  .strict();

/**
 * One outcome or an array of them, validated whole before anything is written: a 400 names the first bad
 * field (`[3].reward` in an array). An array may not name the same (run, trial) twice — which of the two
 * would stand is a guess, so the caller says.
 */
export function parseOutcomes(body: unknown, recordedAt: number): { outcomes: EvalOutcome[]; bulk: boolean } {
  const bulk = Array.isArray(body);
  const items: unknown[] = bulk ? (body as unknown[]) : [body];
  if (items.length === 0) throw new GatewayError('invalid_request', 'The array of outcomes is empty.');
  if (items.length > maximumOutcomesPerWrite) {
    throw new GatewayError('invalid_request', `At most ${maximumOutcomesPerWrite} outcomes per request; send the rest in another.`);
  }
  const seen = new Set<string>();
  const outcomes = items.map((item, index) => {
    const where = bulk ? `[${index}]` : '';
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new GatewayError('invalid_request', `${bulk ? `Outcome ${where}` : 'The request body'} must be a JSON object.`, { param: where || undefined });
    }
    const result = outcomeBody.safeParse(item);
    if (!result.success) throw invalidField(result.error.issues[0], where);
    const { run, trial, reward, passed, task, metadata } = result.data;
    const pair = `${run}\u0000${trial}`;
    if (seen.has(pair)) throw new GatewayError('invalid_request', `Outcome ${where} repeats run '${run}' trial '${trial}'.`, { param: `${where}.trial` });
    seen.add(pair);
    return { run, trial, reward, passed, task: task ?? null, metadata: metadata ?? null, recordedAt };
  });
  return { outcomes, bulk };
}

function invalidField(issue: z.ZodIssue | undefined, where: string): GatewayError {
  if (issue?.code === 'unrecognized_keys') {
    const field = `${where}${where ? '.' : ''}${issue.keys[0] ?? ''}`;
    return new GatewayError('invalid_request', `Unknown field '${field}'. Known fields: ${Object.keys(outcomeBody.shape).join(', ')}.`, { param: field });
  }
  const field = [where, ...(issue?.path ?? [])].filter((part) => part !== '').join('.');
  const message = issue?.code === 'invalid_type' && issue.received === 'undefined' ? `Missing required field '${field}'.` : `Invalid field '${field}': ${issue?.message ?? 'invalid value'}.`;
  return new GatewayError('invalid_request', message, { param: field || undefined });
}
