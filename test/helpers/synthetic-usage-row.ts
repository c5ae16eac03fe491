import type { AttemptRecord } from '../../src/domain/attempt-record.js';
import type { UsageRow } from '../../src/domain/usage-row.js';
import { testAttempt, testUsageRow } from './usage-rows.js';

/** A finished call's usage row as settle-and-record builds it, with the fields a test sets. */
export function syntheticUsageRow(fields: Partial<UsageRow> = {}): UsageRow {
  return testUsageRow('01JTESTROW0000000000000000', {
    keyId: 'key-1',
    userName: 'ada',
    teamName: 'research',
    inputTokens: 100,
    outputTokens: 20,
    latencyMs: 420,
    timeToFirstByteMs: 180,
    attemptTrail: [syntheticAttempt()],
    ...fields,
  });
}

export function syntheticAttempt(fields: Partial<AttemptRecord> = {}): AttemptRecord {
  return testAttempt('openai:gpt-4o-mini', { timeToFirstByteMs: 150, durationMs: 400, ...fields });
}
