import type { RelayOptions } from './relay-options.js';

/** Sends a whole (not streamed) answer and commits the attempt; `headers` is a fresh object this function may fill in. */
export function sendWholeAnswer(options: RelayOptions, bytes: Buffer, headers: Record<string, string | string[] | number>): void {
  options.context.firstByteAt = performance.now();
  options.onCommit();
  headers['content-length'] = bytes.length;
  Object.assign(headers, options.sluiceHeaders());
  options.response.writeHead(options.upstream.statusCode, headers);
  options.response.end(bytes);
}
