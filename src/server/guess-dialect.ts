import type { IncomingHttpHeaders } from 'node:http';
import type { DialectName } from '../domain/dialect-name.js';

/** For answers outside a known route (404s, parser errors): Anthropic clients say so in their headers. */
export function guessDialect(url: string, headers: IncomingHttpHeaders): DialectName {
  if (headers['anthropic-version'] !== undefined || url.includes('/messages')) return 'anthropic-messages';
  return 'openai-chat';
}
