import type { Wire } from './wire.js';

/** The key that every endpoint refuses, to test how a caller handles a bad provider key. */
export const invalidKey = 'invalid-key';

export interface CredentialProblem {
  status: number;
  message: string;
}

/** What each provider says about a missing or refused key (and Anthropic about a missing version header). */
export function checkCredentials(wire: Wire, headers: Record<string, string>, query: Record<string, string>): CredentialProblem | undefined {
  const bearer = headers.authorization?.replace(/^Bearer\s+/i, '') || undefined;
  switch (wire) {
    case 'anthropic': {
      // Anthropic's SDKs send `x-api-key`, or `Authorization: Bearer` when given an auth token.
      const key = headers['x-api-key'] || bearer;
      if (!key) return { status: 401, message: 'x-api-key header is required' };
      if (key === invalidKey) return { status: 401, message: 'invalid x-api-key' };
      // The real API answers 400 here, not 401: the key is fine, the request is not.
      if (!headers['anthropic-version']) return { status: 400, message: 'anthropic-version: header is required' };
      return undefined;
    }
    case 'gemini': {
      const key = headers['x-goog-api-key'] || query.key;
      if (!key) {
        return {
          status: 403,
          message:
            "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        };
      }
      if (key === invalidKey) return { status: 400, message: 'API key not valid. Please pass a valid API key.' };
      return undefined;
    }
    case 'openai':
    case 'responses':
      if (!bearer) {
        return {
          status: 401,
          message:
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        };
      }
      if (bearer === invalidKey) {
        return { status: 401, message: `Incorrect API key provided: ${invalidKey}. You can find your API key at https://platform.openai.com/account/api-keys.` };
      }
      return undefined;
  }
}
