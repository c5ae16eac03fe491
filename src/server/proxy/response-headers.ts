import type { IncomingHttpHeaders } from 'node:http';

/** Headers that describe one hop, or that Node sets itself from what is written. */
const notForwarded = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'set-cookie',
  'date',
  'server',
]);

/**
 * What a private target's answer keeps of the upstream's headers: the rest (`openai-model`, organisation and
 * request ids, rate-limit state, a server banner) describes the deployment the caller must not see.
 */
const forwardedFromPrivate = ['content-type', 'retry-after', 'retry-after-ms'] as const;

/**
 * Upstream response headers worth passing on: content type, request ids, rate-limit and retry hints; from a
 * private target, only its content type and retry hints.
 */
export function forwardableResponseHeaders(upstream: IncomingHttpHeaders, fromPrivateTarget = false): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  if (fromPrivateTarget) {
    for (const name of forwardedFromPrivate) {
      const value = upstream[name];
      if (value !== undefined) headers[name] = value;
    }
    return headers;
  }
  // for…in rather than Object.entries: no array of pairs allocated on every answer.
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || notForwarded.has(name)) continue;
    headers[name] = value;
  }
  return headers;
}
