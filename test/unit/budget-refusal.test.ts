import { afterAll, describe, expect, it } from 'vitest';
import { admit } from '../../src/policy/admission.js';
import { type LimitSubject } from '../../src/domain/limit-subject.js';
import type { BudgetLedger } from '../../src/policy/budget-ledger.js';
import { MemoryBudgetLedger } from '../../src/policy/memory-budget-ledger.js';
import { MemoryLimitCounters } from '../../src/policy/memory-limit-counters.js';
import { RedisBudgetLedger } from '../../src/store/redis/redis-budget-ledger.js';
import { connectTestRedis } from '../helpers/redis-backend.js';

/**
 * A budget refusal says what decided it (issue 8, item 15): "$0.0095 spent of $0.02" read as a wrong
 * refusal while $0.0105 remained. The request is refused because its reserved maximum cost does not fit.
 */

const redisConnection = await connectTestRedis();
const ledgers: Array<{ name: string; ledger: (spentUsd: number) => BudgetLedger }> = [{ name: 'memory', ledger: (spentUsd) => new MemoryBudgetLedger(async () => spentUsd) }];
if ('redis' in redisConnection) {
  const { redis, prefix } = redisConnection;
  let instance = 0;
  ledgers.push({ name: 'redis', ledger: (spentUsd) => new RedisBudgetLedger({ redis, prefix: `${prefix}${instance++}:`, loadBaseline: async () => spentUsd }) });
} else {
  console.warn(`[budget-refusal] skipping the Redis ledger: ${redisConnection.skipReason}`);
}
afterAll(async () => {
  if ('redis' in redisConnection) {
    const keys = await redisConnection.redis.keys(`${redisConnection.prefix}*`);
    if (keys.length > 0) await redisConnection.redis.del(...keys);
    redisConnection.redis.disconnect();
  }
});

const dailyTeamBudget: LimitSubject[] = [{ scope: 'team', id: 'frugal', limits: { budget: { period: 'day', hardUsd: 0.02 } } }];

describe.each(ledgers)('the budget refusal message ($name ledger)', ({ ledger }) => {
  it('says the reserved maximum cost does not fit, how much it was, and what remains', async () => {
    const refusal = admit({ subjects: dailyTeamBudget, counters: new MemoryLimitCounters(), ledger: ledger(0.0095), estimateTokens: () => 0, maximumCostUsd: () => 0.012 });
    await expect(refusal).rejects.toMatchObject({
      code: 'budget_exceeded',
      reason: 'budget_exceeded.team',
      message:
        'Budget for this team cannot cover this request: its maximum cost, $0.012, reserved before the call (prompt estimate plus max_tokens ' +
        "at the model's price), is more than the $0.0105 left of the $0.02 daily budget ($0.0095 spent or reserved). Lower max_tokens or raise the budget.",
    });
  });

  it('says exhausted when nothing remains', async () => {
    const refusal = admit({ subjects: dailyTeamBudget, counters: new MemoryLimitCounters(), ledger: ledger(0.02), estimateTokens: () => 0, maximumCostUsd: () => 0.001 });
    await expect(refusal).rejects.toMatchObject({ message: 'Budget exhausted for this team: $0.02 spent or reserved of the $0.02 daily budget.' });
  });

  it('a hard budget of 0 is no cap (0 = no limit, as for every limit), so a soft budget alone still serves', async () => {
    const subjects: LimitSubject[] = [{ scope: 'key', id: 'soft-only', limits: { budget: { period: 'month', hardUsd: 0, softUsd: 1 } } }];
    const admitted = await admit({ subjects, counters: new MemoryLimitCounters(), ledger: ledger(5), estimateTokens: () => 0, maximumCostUsd: () => 0.5 });
    expect(admitted.headers['x-sluice-budget-warning']).toBe('soft budget reached for key');
    await admitted.finish({ tokens: 0, costUsd: 0.1 });
  });
});
