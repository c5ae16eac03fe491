import type { AnalyticsFilters } from '../store/analytics-store.js';
import type { AnalyticsContext } from './analytics-context.js';
import { parseFilters, parseWindow, type QueryParameters } from './analytics-query.js';
import { alignWindow } from './rollup-window.js';

/** The window and filters of a report: what it counts (aligned for the rollups) and what it says it counted. */
export interface ReportScope {
  from: number;
  to: number;
  filters: AnalyticsFilters;
  /** The `from` / `to` of the answer: the aligned start, and the end (never later than now). */
  bounds: { from: string; to: string };
}

export function reportScope(query: QueryParameters, context: AnalyticsContext): ReportScope {
  const asked = parseWindow(query, context.now);
  const aligned = alignWindow(asked.from, asked.to, context.now);
  return scopeOf(aligned, parseFilters(query), context.now);
}

export function scopeOf(window: { from: number; to: number }, filters: AnalyticsFilters, now: number): ReportScope {
  return {
    from: window.from,
    to: window.to,
    filters,
    bounds: { from: new Date(window.from).toISOString(), to: new Date(Math.min(window.to, now)).toISOString() },
  };
}
