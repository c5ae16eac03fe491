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

/** Upstream response headers worth passing on: content type, request ids, rate-limit and retry hints. */
export function forwardableResponseHeaders(upstream: IncomingHttpHeaders): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  // for…in rather than Object.entries: no array of pairs allocated on every answer.
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || notForwarded.has(name)) continue;
    headers[name] = value;
  }
  return headers;
}
