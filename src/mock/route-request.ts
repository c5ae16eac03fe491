import { parseGeminiEmbeddingsPath, parseGeminiPath } from './gemini-wire.js';
import type { Wire } from './wire.js';

export type MockRoute =
  | { kind: 'models' }
  | { kind: 'count-tokens'; wire: 'anthropic' }
  /**
   * Gemini's native API names the model and whether it streams in the path, not the body. `errors` is set
   * where a surface answers errors in another shape than its wire: Gemini's OpenAI-compatible one answers
   * in a list of Gemini errors.
   */
  | { kind: 'generate'; wire: Wire; pathModel?: string; pathStream?: boolean; errors?: 'gemini-list' }
  /** OpenAI-shaped `/v1/embeddings`, or Gemini's `:embedContent` (`single`) and `:batchEmbedContents`. */
  | { kind: 'embeddings'; wire: 'openai' | 'gemini'; pathModel?: string; single?: boolean };

const generatePaths = new Map<string, { wire: Wire; errors?: 'gemini-list' }>([
  ['/v1/messages', { wire: 'anthropic' }],
  ['/v1/chat/completions', { wire: 'openai' }],
  // Gemini's OpenAI-compatible surface speaks Chat Completions, but errs in its own way.
  ['/v1beta/openai/chat/completions', { wire: 'openai', errors: 'gemini-list' }],
  ['/v1/responses', { wire: 'responses' }],
]);

const modelListPaths = new Set(['/v1/models', '/v1beta/openai/models']);

export function routeRequest(method: string, path: string): MockRoute | undefined {
  if (method === 'GET') return modelListPaths.has(path) ? { kind: 'models' } : undefined;
  if (method !== 'POST') return undefined;
  if (path === '/v1/messages/count_tokens') return { kind: 'count-tokens', wire: 'anthropic' };
  if (path === '/v1/embeddings') return { kind: 'embeddings', wire: 'openai' };
  const geminiEmbeddings = parseGeminiEmbeddingsPath(path);
  if (geminiEmbeddings) return { kind: 'embeddings', wire: 'gemini', pathModel: geminiEmbeddings.model, single: geminiEmbeddings.single };
  const surface = generatePaths.get(path);
  if (surface) return { kind: 'generate', ...surface };
  const gemini = parseGeminiPath(path);
  return gemini ? { kind: 'generate', wire: 'gemini', pathModel: gemini.model, pathStream: gemini.stream } : undefined;
}
