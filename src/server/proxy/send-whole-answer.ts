import { answerHeadersOf } from './answer-headers.js';
import type { RelayOptions } from './relay-options.js';

/**
 * Sends a whole (not streamed) answer and commits the attempt; `headers` is a fresh object this function
 * may fill in. Returns when the answer's first byte went out (`performance.now()`), for the row.
 */
export function sendWholeAnswer(options: RelayOptions, bytes: Buffer, headers: Record<string, string | string[] | number>): number {
  const firstByteAt = performance.now();
  options.attempt.commit();
  headers['content-length'] = bytes.length;
  Object.assign(headers, answerHeadersOf(options.call));
  options.call.response.writeHead(options.upstream.statusCode, headers);
  options.call.response.end(bytes);
  return firstByteAt;
}
