import type { BudgetPeriod } from '../domain/limits.js';

export interface PeriodBounds {
  start: number;
  end: number;
  label: string;
}

/** The last period computed per kind: every request asks, and the answer changes once a day at most. */
const current = new Map<BudgetPeriod, PeriodBounds>();

/** The UTC calendar period containing `now`: its start (epoch ms) and a label used in account names. */
export function budgetPeriodOf(period: BudgetPeriod, now: number): PeriodBounds {
  const known = current.get(period);
  if (known && known.start <= now && now < known.end) return known;
  const bounds = computePeriod(period, now);
  current.set(period, bounds);
  return bounds;
}

function computePeriod(period: BudgetPeriod, now: number): PeriodBounds {
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
