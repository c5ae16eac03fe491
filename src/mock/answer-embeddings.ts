import type { ServerResponse } from 'node:http';
import { answeredByBehavior, type SendFailure } from './act-on-behavior.js';
import type { AnswerContext } from './answer-context.js';
import { chooseBehavior } from './choose-behavior.js';
import {
  geminiEmbeddingsResponse,
  mockEmbeddingVectors,
  openAiEmbeddingsResponse,
  readGeminiEmbeddingsRequest,
  readOpenAiEmbeddingsRequest,
} from './embeddings-wire.js';
import type { RecordedRequest } from './recorded-request.js';
import type { MockRoute } from './route-request.js';
import { sendJson } from './send-json.js';

type Json = Record<string, unknown>;

/**
 * Answers an embeddings request in its wire format with deterministic vectors (see mock-embedding-vector.ts).
 * Behaviors apply as to generation: queued, the `x-mock-behavior` header, a `[[mock {...}]]` directive in
 * any input, the default; `status` answers an error, `delayMs` waits, `hang` never answers,
 * `dropAfterEvents` cuts the connection, `omitUsage` leaves usage out, `model` names another model.
 */
export async function answerEmbeddings(
  recorded: RecordedRequest,
  response: ServerResponse,
  route: Extract<MockRoute, { kind: 'embeddings' }>,
  context: AnswerContext,
  fail: SendFailure,
  idHeaders: Record<string, string>,
): Promise<void> {
  const body = recorded.body as Json;
  const request =
    route.wire === 'openai' ? readOpenAiEmbeddingsRequest(body) : readGeminiEmbeddingsRequest(body, route.pathModel ?? '', route.single === true);
  const behavior = chooseBehavior({
    queued: context.takeQueuedBehavior(),
    header: recorded.headers['x-mock-behavior'],
    lastUserText: typeof request === 'string' ? '' : request.texts.join('\n'),
    // An agent's script plays conversations; embeddings have none.
    scripted: undefined,
    fallback: context.defaultBehavior,
  });
  if (await answeredByBehavior(behavior, response, fail)) return;
  if (typeof request === 'string') return fail(400, request);
  if (behavior.dropAfterEvents !== undefined) {
    context.onDrop();
    response.socket?.destroy();
    return;
  }
  const vectors = mockEmbeddingVectors(request);
  recorded.sentVectors = vectors;
  if (route.wire === 'openai') {
    const model = behavior.model ?? (body.model as string);
    const answer = openAiEmbeddingsResponse(request, vectors, model);
    if (behavior.omitUsage) delete answer.usage;
    else recorded.sentUsage = { inputTokens: request.tokens, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
    sendJson(response, 200, answer, idHeaders);
  } else {
    // Gemini's embeddings answers carry no usage.
    sendJson(response, 200, geminiEmbeddingsResponse(vectors, route.single === true), idHeaders);
  }
  recorded.completed = true;
}
