import type { Estimate } from '../analytics/compare-report.js';

/** How the compare report's numbers read in the terminal table and the HTML page: one place, so they agree. */

export function percent(value: number | null): string {
  return value === null ? '–' : `${(value * 100).toFixed(1)}%`;
}

export function usd(value: number | null): string {
  if (value === null) return '–';
  const magnitude = Math.abs(value);
  return `${value < 0 ? '-' : ''}$${magnitude >= 1 ? magnitude.toFixed(2) : magnitude >= 0.01 ? magnitude.toFixed(4) : magnitude.toPrecision(3)}`;
}

export function count(value: number | null, digits = 1): string {
  if (value === null) return '–';
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

export function milliseconds(value: number | null): string {
  return value === null ? '–' : `${Math.round(value)} ms`;
}

/** `50.0% [25.0%, 75.0%]`: an estimate and its 95% interval in one unit. */
export function withInterval(estimate: Estimate, unit: (value: number | null) => string): string {
  if (estimate.value === null) return '–';
  if (estimate.low === null || estimate.high === null) return unit(estimate.value);
  return `${unit(estimate.value)} [${unit(estimate.low)}, ${unit(estimate.high)}]`;
}

/** A signed difference: `+12.5%`, `-$0.0140`. */
export function signed(unit: (value: number | null) => string): (value: number | null) => string {
  return (value) => (value === null ? '–' : value > 0 ? `+${unit(value)}` : unit(value));
}
