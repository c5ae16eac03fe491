import type { ServerResponse } from 'node:http';
import { anthropicMessage, anthropicStreamEvents } from './anthropic-wire.js';
import { answeredByBehavior } from './act-on-behavior.js';
import type { AnswerContext } from './answer-context.js';
import { answerEmbeddings } from './answer-embeddings.js';
import { checkCredentials } from './check-credentials.js';
import { checkRequest } from './check-request.js';
import { chooseBehavior } from './choose-behavior.js';
import { geminiAsConversation, geminiResponse, geminiStreamEvents } from './gemini-wire.js';
import { planAnswer, type MockAnswer } from './mock-answer.js';
import { countTokens, lastUserText, promptText, randomId } from './mock-conversation.js';
import { openAiCompletion, openAiStreamEvents } from './openai-wire.js';
import { providerError, requestIdHeaders } from './provider-error.js';
import type { RecordedRequest } from './recorded-request.js';
import { reportedUsage } from './reported-usage.js';
import { requestedJsonFormat } from './requested-json-format.js';
import { responsesAsConversation, responsesObject, responsesStreamEvents } from './responses-wire.js';
import type { MockRoute } from './route-request.js';
import { scriptedBehavior } from './scripted-behavior.js';
import type { Wire } from './wire.js';
import { streamErrorEvent } from './stream-error-event.js';
import { sendEvents } from './send-events.js';
import { sendJson } from './send-json.js';

const modelList = {
  object: 'list',
  // Both SDKs' model lists parse this: OpenAI reads `object`/`owned_by`, Anthropic `type`/`display_name`/`has_more`.
  data: [{ id: 'mock-echo', object: 'model', created: 0, owned_by: 'sluice-mock', type: 'model', display_name: 'Sluice mock echo', created_at: '1970-01-01T00:00:00Z' }],
  has_more: false,
  first_id: 'mock-echo',
  last_id: 'mock-echo',
};

const requiredFields: Record<Wire, string[]> = {
  anthropic: ['model', 'messages', 'max_tokens'],
  openai: ['model', 'messages'],
  responses: ['model', 'input'],
  gemini: ['contents'],
};

/** Answers one recorded request on a known route, in its provider's wire format, as its behavior says. */
export async function answerRequest(recorded: RecordedRequest, response: ServerResponse, route: MockRoute, context: AnswerContext): Promise<void> {
  if (route.kind === 'models') return sendJson(response, 200, modelList);

  const wire = route.wire;
  const requestId = randomId('req_');
  const idHeaders = requestIdHeaders(wire, requestId);
  const fail = (status: number, message: string, extraHeaders: Record<string, string> = {}) =>
    sendJson(response, status, providerError(wire, status, message, requestId, route.kind === 'generate' ? route.errors : undefined), {
      ...idHeaders,
      ...extraHeaders,
    });

  const credentialProblem = checkCredentials(wire, recorded.headers, recorded.query);
  if (credentialProblem) return fail(credentialProblem.status, credentialProblem.message);
  const body = recorded.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return fail(400, 'The request body is not a valid JSON object.');
  if (route.kind === 'embeddings') return answerEmbeddings(recorded, response, route, context, fail, idHeaders);
  const fields = conversationOf(wire, body as Record<string, unknown>, route.kind === 'generate' ? route.pathModel : undefined);

  if (route.kind === 'count-tokens') return sendJson(response, 200, { input_tokens: countTokens(promptText(fields)) }, idHeaders);

  const behavior = chooseBehavior({
    queued: context.takeQueuedBehavior(),
    header: recorded.headers['x-mock-behavior'],
    lastUserText: lastUserText(fields),
    scripted: scriptedBehavior(context.script, wire, body as Record<string, unknown>, fields),
    fallback: context.defaultBehavior,
  });
  if (await answeredByBehavior(behavior, response, fail)) return;
  const missing = requiredFields[wire].find((field) => fields[field] === undefined);
  if (missing) return fail(400, missingFieldMessage(wire, missing));
  const problem = checkRequest(wire, body as Record<string, unknown>);
  if (problem) return fail(problem.status, problem.message);

  const answer = planAnswer(fields, behavior, requestedJsonFormat(wire, body as Record<string, unknown>));
  recorded.sentText = answer.toolCall ? answer.toolCall.argumentsJson : answer.text;
  const streaming = route.pathStream ?? fields.stream === true;
  const includeUsage = (fields.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  // Chat Completions streams report usage only when asked.
  const reportsUsage = !answer.omitUsage && !(streaming && wire === 'openai' && !includeUsage);
  if (reportsUsage) recorded.sentUsage = reportedUsage(wire, answer.usage);

  if (!streaming) {
    if (behavior.dropAfterEvents !== undefined) {
      // A whole answer has no events to count: the connection just dies before any byte of it.
      context.onDrop();
      response.socket?.destroy();
      return;
    }
    sendJson(response, 200, wholeAnswer(wire, answer), idHeaders);
    recorded.completed = true;
    return;
  }
  const headers = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...idHeaders };
  const events = streamEvents(wire, answer, includeUsage);
  if (behavior.invalidEventAt !== undefined) events.splice(behavior.invalidEventAt, 0, 'data: {not json\n\n');
  if (behavior.errorEventAt !== undefined) events.splice(behavior.errorEventAt, events.length, streamErrorEvent(wire, behavior.errorMessage ?? 'Overloaded'));
  const outcome = await sendEvents(response, events, headers, behavior, context.onDrop);
  recorded.completed = outcome === 'completed';
}

/** Every wire seen as `{ model, system, messages, ... }`, so counting and echoing work the same way. */
function conversationOf(wire: Wire, body: Record<string, unknown>, pathModel: string | undefined): Record<string, unknown> {
  if (wire === 'responses') return responsesAsConversation(body);
  if (wire === 'gemini') return geminiAsConversation(body, pathModel ?? '');
  return body;
}

function missingFieldMessage(wire: Wire, field: string): string {
  if (wire === 'anthropic') return `${field}: Field required`;
  if (wire === 'gemini') return `* GenerateContentRequest.${field}: ${field} is not specified`;
  return `Missing required parameter: '${field}'.`;
}

function wholeAnswer(wire: Wire, answer: MockAnswer): unknown {
  switch (wire) {
    case 'anthropic':
      return anthropicMessage(answer);
    case 'openai':
      return openAiCompletion(answer);
    case 'responses':
      return responsesObject(answer);
    case 'gemini':
      return geminiResponse(answer);
  }
}

function streamEvents(wire: Wire, answer: MockAnswer, includeUsage: boolean): string[] {
  switch (wire) {
    case 'anthropic':
      return anthropicStreamEvents(answer);
    case 'openai':
      return openAiStreamEvents(answer, includeUsage);
    case 'responses':
      return responsesStreamEvents(answer);
    case 'gemini':
      return geminiStreamEvents(answer);
  }
}
