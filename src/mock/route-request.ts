import { parseGeminiPath } from './gemini-wire.js';

/** The wire format a request is answered in. */
export type Wire = 'anthropic' | 'openai' | 'responses' | 'gemini';

export type MockRoute =
  | { kind: 'models' }
  | { kind: 'count-tokens'; wire: 'anthropic' }
  /** Gemini's native API names the model and whether it streams in the path, not the body. */
  | { kind: 'generate'; wire: Wire; pathModel?: string; pathStream?: boolean };

const generatePaths = new Map<string, Wire>(Object.entries({
  '/v1/messages': 'anthropic',
  '/v1/chat/completions': 'openai',
  // Gemini's OpenAI-compatible surface speaks Chat Completions.
  '/v1beta/openai/chat/completions': 'openai',
  '/v1/responses': 'responses',
}));

const modelListPaths = new Set(['/v1/models', '/v1beta/openai/models']);

export function routeRequest(method: string, path: string): MockRoute | undefined {
  if (method === 'GET') return modelListPaths.has(path) ? { kind: 'models' } : undefined;
  if (method !== 'POST') return undefined;
  if (path === '/v1/messages/count_tokens') return { kind: 'count-tokens', wire: 'anthropic' };
  const wire = generatePaths.get(path);
  if (wire) return { kind: 'generate', wire };
  const gemini = parseGeminiPath(path);
  return gemini ? { kind: 'generate', wire: 'gemini', pathModel: gemini.model, pathStream: gemini.stream } : undefined;
}
