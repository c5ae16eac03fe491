import type { CapturedExchange, CaptureFilter } from '../domain/captured-exchange.js';
import type { CaptureSource } from './capture-source.js';

/** Why a capture in the window is not replayed. */
export type SkipReason = 'request_truncated' | 'original_failed' | 'not_generation';

export interface ReplaySelection {
  /** The captures to replay, oldest first, at most the limit asked. */
  captures: CapturedExchange[];
  /** Captures in the window passed over, by reason. */
  skipped: Record<SkipReason, number>;
}

/** Captures read a page at a time: a page is opened (decrypted) whole, so it is kept small. */
const pageSize = 200;

/**
 * Why a capture cannot be replayed, or undefined when it can: a replay re-sends the request as the caller sent
 * it and scores both answers, so it needs the whole request, an answer to compare with (a 2xx), and a
 * generation call (an embedding or a token count has no answer a verifier could read).
 */
export function skipReasonOf(capture: CapturedExchange): SkipReason | undefined {
  if (capture.requestTruncated) return 'request_truncated';
  if (capture.method.toUpperCase() !== 'POST' || /embeddings|:embedContent|:batchEmbedContents|count_tokens|:countTokens/.test(capture.path)) return 'not_generation';
  if (capture.status < 200 || capture.status > 299) return 'original_failed';
  return undefined;
}

/**
 * The first `limit` replayable captures matching the filter, oldest first. With `only`, just the captures of
 * those request ids (a resumed replay reads back what it chose), stopping once all are found.
 */
export async function selectCaptures(source: CaptureSource, filter: CaptureFilter, limit: number, only?: ReadonlySet<string>): Promise<ReplaySelection> {
  const selection: ReplaySelection = { captures: [], skipped: { request_truncated: 0, original_failed: 0, not_generation: 0 } };
  let after: { createdAt: number; requestId: string } | undefined;
  while (selection.captures.length < limit) {
    const page = await source.listCaptures(filter, { after, limit: pageSize });
    for (const capture of page) {
      if (selection.captures.length >= limit) break;
      if (only !== undefined && !only.has(capture.requestId)) continue;
      const reason = skipReasonOf(capture);
      if (reason === undefined) selection.captures.push(capture);
      else selection.skipped[reason]++;
    }
    if (page.length < pageSize) break;
    const last = page.at(-1)!;
    after = { createdAt: last.createdAt, requestId: last.requestId };
  }
  return selection;
}
