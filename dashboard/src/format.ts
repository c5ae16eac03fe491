/** Number formats used everywhere, so `$12.42` and `1.2M tokens` read the same on every view. */

const grouped = new Intl.NumberFormat('en-US');
const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** Dollars: two decimals from a cent up, more significant digits below (a call can cost $0.00036). */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (value === 0) return '$0.00';
  const magnitude = Math.abs(value);
  if (magnitude >= 0.01) return dollars.format(value);
  return `${value < 0 ? '-' : ''}$${Number(magnitude.toPrecision(2))}`;
}

/** A compact count: 950, 12.3k, 1.2M, 3.4B. */
export function compact(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const magnitude = Math.abs(value);
  if (magnitude < 1_000) return grouped.format(value);
  for (const [size, suffix] of [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const) {
    if (magnitude >= size) return `${trimZero((value / size).toFixed(magnitude / size >= 100 ? 0 : 1))}${suffix}`;
  }
  return grouped.format(value);
}

export function tokens(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${compact(value)} tokens`;
}

export function count(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : grouped.format(value);
}

export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${trimZero((value * 100).toFixed(value < 0.1 ? 1 : 0))}%`;
}

export function milliseconds(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return value >= 10_000 ? `${trimZero((value / 1000).toFixed(1))} s` : `${Math.round(value)} ms`;
}

const dateTimeFormat = new Intl.DateTimeFormat('en-GB', { month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** A UTC timestamp in the reader's own time zone, to the second ("29 Nov, 10:04:39"). */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return dateTimeFormat.format(new Date(iso));
}

/**
 * A top spender's share ("Top team: … holds 50.3%"), rounded down to a tenth of a percent: it is shown only
 * above half, so it must never read "50%" or less for a share just over it.
 */
export function topShare(share: number): string {
  const tenths = Math.floor(share * 1000) / 10;
  return tenths <= 50 && share > 0.5 ? 'just over 50%' : `${trimZero(tenths.toFixed(1))}%`;
}

function trimZero(text: string): string {
  return text.replace(/\.0$/, '');
}

/** "1 error", "2 errors": a count with its noun. */
export function plural(value: number, noun: string, nouns = `${noun}s`): string {
  return `${count(value)} ${value === 1 ? noun : nouns}`;
}
