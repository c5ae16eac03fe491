import type { BudgetPeriod } from '../store/store.js';

/** The UTC calendar period containing `now`: its start (epoch ms) and a label used in account names. */
export function budgetPeriodOf(period: BudgetPeriod, now: number): { start: number; end: number; label: string } {
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const day = date.getUTCDate();
  switch (period) {
    case 'day': {
      const start = Date.UTC(year, month, day);
      return { start, end: start + 86_400_000, label: new Date(start).toISOString().slice(0, 10) };
    }
    case 'week': {
      // ISO weeks start on Monday.
      const weekday = (date.getUTCDay() + 6) % 7;
      const start = Date.UTC(year, month, day - weekday);
      return { start, end: start + 7 * 86_400_000, label: `week-${new Date(start).toISOString().slice(0, 10)}` };
    }
    case 'month': {
      const start = Date.UTC(year, month, 1);
      return { start, end: Date.UTC(year, month + 1, 1), label: new Date(start).toISOString().slice(0, 7) };
    }
    default: {
      const exhaustive: never = period;
      return exhaustive;
    }
  }
}
