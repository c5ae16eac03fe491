import type { IncomingHttpHeaders } from 'node:http';

/** Headers that carry credentials, by exact name: never captured. */
const credentialHeaders = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'x-goog-api-key', 'x-sluice-token', 'api-key']);

/**
 * Any other header whose name says it holds a secret (a provider's own key header, a session, a signature):
 * a word of the name, between dashes or underscores, that is one of these.
 */
const secretWord = /(?:^|[-_])(?:key|api[-_]?key|token|secret|password|passwd|credentials?|auth|session|signature|cookie)(?:$|[-_])/i;

/** The caller's headers as a capture keeps them: credentials removed, repeated headers joined with `, `. */
export function capturableHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  // No prototype: a header may be called `__proto__`.
  const kept = Object.create(null) as Record<string, string>;
  for (const name of Object.keys(headers)) {
    if (credentialHeaders.has(name) || secretWord.test(name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

/** Query parameters that carry credentials (Gemini's `?key=`), by exact name: their values are never captured. */
const credentialParameters = /^(?:key|api[-_]?key|access[-_]?token|token)$/i;

/** The path with the value of every credential query parameter replaced by a placeholder. */
export function capturablePath(url: string): string {
  const question = url.indexOf('?');
  if (question === -1) return url;
  const parameters = url
    .slice(question + 1)
    .split('&')
    .map((parameter) => {
      const equals = parameter.indexOf('=');
      const name = equals === -1 ? parameter : parameter.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // A malformed escape is compared as written.
      }
      return equals !== -1 && credentialParameters.test(decoded) ? `${name}=[REDACTED:credential]` : parameter;
    });
  return `${url.slice(0, question)}?${parameters.join('&')}`;
}
