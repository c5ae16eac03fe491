import type { UsageRow } from '../domain/usage-row.js';

export interface PriceJson {
  source: string | null;
  rates_per_mtok: { input: number; output: number; cache_read: number; cache_write: number; image_input?: number } | null;
  explanation: string | null;
}

/** A dollar amount as written in an explanation: enough digits to show a fraction of a cent. */
function dollars(value: number): string {
  return `$${Number(value.toPrecision(6)).toString()}`;
}

/**
 * Where a row's cost came from and how it adds up, from the row alone (its price source and rates, its
 * token counts): `1200 input × $0.15/Mtok + 300 output × $0.6/Mtok = $0.00036`. Uncached input is priced as
 * input, cache reads and writes at their own rates, as the pricer does. A tiered catalogue price has no
 * single rate: its source is shown, no explanation.
 */
export function priceJson(row: UsageRow): PriceJson {
  const rates = row.priceRates;
  if (!rates) return { source: row.priceSource, rates_per_mtok: null, explanation: null };
  const uncachedInput = Math.max(0, row.inputTokens - row.cacheReadTokens - row.cacheWriteTokens);
  const imageInput = rates.inputImage === undefined ? 0 : Math.min(row.imageTokens, uncachedInput);
  const terms: string[] = [];
  if (rates.request > 0) terms.push(`${dollars(rates.request)} per request`);
  const term = (tokens: number, kind: string, rate: number) => {
    if (tokens > 0) terms.push(`${tokens} ${kind} × ${dollars(rate)}/Mtok`);
  };
  term(uncachedInput - imageInput, 'input', rates.input);
  if (rates.inputImage !== undefined) term(imageInput, 'image input', rates.inputImage);
  term(row.cacheReadTokens, 'cache read', rates.cacheRead);
  term(row.cacheWriteTokens, 'cache write', rates.cacheWrite);
  term(row.outputTokens, 'output', rates.output);
  const total = row.costUsd ?? 0;
  return {
    source: row.priceSource,
    rates_per_mtok: {
      input: rates.input,
      output: rates.output,
      cache_read: rates.cacheRead,
      cache_write: rates.cacheWrite,
      ...(rates.inputImage === undefined ? {} : { image_input: rates.inputImage }),
    },
    explanation: `${terms.length === 0 ? 'no tokens' : terms.join(' + ')} = ${dollars(total)}`,
  };
}
