import { describe, expect, it } from 'vitest';
import type { BudgetCharge } from '../../src/policy/budget-ledger.js';
import { budgetPeriodOf } from '../../src/policy/budget-period.js';
import { MemoryBudgetLedger } from '../../src/policy/memory-budget-ledger.js';

const charge = (hardUsd: number | undefined, softUsd?: number): BudgetCharge => ({
  account: 'key:k1:2026-11',
  scope: 'key',
  subject: 'k1',
  periodStart: 0,
  periodEnd: 86_400_000,
  hardUsd,
  softUsd,
});

describe('budget ledger', () => {
  it('starts from what the store says was spent, reserves, settles and releases', async () => {
    const ledger = new MemoryBudgetLedger(async () => 0.5);
    const first = await ledger.reserve([charge(1)], 0.2);
    expect(first.admitted).toBe(true);
    expect(await ledger.spent('key:k1:2026-11')).toBeCloseTo(0.7);
    if (first.admitted) await ledger.settle(first.reservationId, 0.05);
    expect(await ledger.spent('key:k1:2026-11')).toBeCloseTo(0.55);
    const second = await ledger.reserve([charge(1)], 0.3);
    if (second.admitted) await ledger.release(second.reservationId);
    expect(await ledger.spent('key:k1:2026-11')).toBeCloseTo(0.55);
    expect(ledger.openReservations).toBe(0);
  });

  it('refuses past the hard cap and flags the soft cap', async () => {
    const ledger = new MemoryBudgetLedger(async () => 0.9);
    expect(await ledger.reserve([charge(1, 0.5)], 0.2)).toMatchObject({ admitted: false, refusedAccount: 'key:k1:2026-11' });
    expect(await ledger.reserve([charge(1, 0.5)], 0.05)).toMatchObject({ admitted: true, softCapReached: ['key:k1:2026-11'] });
  });

  it('never lets concurrent reservations pass the hard cap, and leaves none behind', async () => {
    const ledger = new MemoryBudgetLedger(async () => 0.95);
    const outcomes = await Promise.all(Array.from({ length: 100 }, () => ledger.reserve([charge(1)], 0.01)));
    const admitted = outcomes.filter((outcome) => outcome.admitted);
    expect(admitted).toHaveLength(5);
    await Promise.all(admitted.map((outcome) => (outcome.admitted ? ledger.settle(outcome.reservationId, 0.01) : undefined)));
    expect(await ledger.spent('key:k1:2026-11')).toBeCloseTo(1);
    expect(ledger.openReservations).toBe(0);
  });
});

describe('budget periods (UTC calendar)', () => {
  const at = Date.UTC(2026, 10, 22, 17, 30); // Sunday 22 November 2026
  it.each([
    ['day', '2026-11-22T00:00:00.000Z', '2026-11-23T00:00:00.000Z'],
    ['week', '2026-11-16T00:00:00.000Z', '2026-11-23T00:00:00.000Z'],
    ['month', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
  ] as const)('%s', (period, start, end) => {
    const result = budgetPeriodOf(period, at);
    expect([new Date(result.start).toISOString(), new Date(result.end).toISOString()]).toEqual([start, end]);
  });
});
