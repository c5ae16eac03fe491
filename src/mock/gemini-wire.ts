import type { MockAnswer } from './mock-answer.js';
import { randomId } from './mock-conversation.js';

/** Gemini's native API: generateContent and streamGenerateContent?alt=sse. */

type Json = Record<string, unknown>;

/** `models/{model}:generateContent` → the model and whether it streams. */
export function parseGeminiPath(path: string): { model: string; stream: boolean } | undefined {
  const match = /^\/v1beta\/models\/(.+):(generateContent|streamGenerateContent)$/.exec(path);
  return match?.[1] ? { model: decodeURIComponent(match[1]), stream: match[2] === 'streamGenerateContent' } : undefined;
}

/** `models/{model}:embedContent` → the model, and that it asks for one embedding (`:batchEmbedContents`: a list). */
export function parseGeminiEmbeddingsPath(path: string): { model: string; single: boolean } | undefined {
  const match = /^\/v1beta\/models\/(.+):(embedContent|batchEmbedContents)$/.exec(path);
  return match?.[1] ? { model: decodeURIComponent(match[1]), single: match[2] === 'embedContent' } : undefined;
}

/** A generateContent body seen as `{ model, system, messages }`, so the mock counts it like the others. */
export function geminiAsConversation(body: Json, model: string): Json {
  const system = (body.systemInstruction ?? body.system_instruction) as Json | undefined;
  const contents = (body.contents as Json[] | undefined) ?? [];
  return {
    ...body,
    model,
    system: system?.parts,
    messages: contents.map((content) => ({ role: content.role === 'model' ? 'assistant' : 'user', content: content.parts })),
  };
}

const statusNames: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED' };

export function geminiError(status: number, message: string): Json {
  return { error: { code: status, message, status: statusNames[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION') } };
}

function usageMetadata(answer: MockAnswer): Json {
  return {
    promptTokenCount: answer.usage.inputTokens,
    candidatesTokenCount: answer.usage.outputTokens - answer.usage.reasoningTokens,
    totalTokenCount: answer.usage.inputTokens + answer.usage.outputTokens,
    ...(answer.usage.cacheReadTokens ? { cachedContentTokenCount: answer.usage.cacheReadTokens } : {}),
    ...(answer.usage.reasoningTokens ? { thoughtsTokenCount: answer.usage.reasoningTokens } : {}),
    ...(answer.usage.imageTokens ? { promptTokensDetails: [{ modality: 'IMAGE', tokenCount: answer.usage.imageTokens }] } : {}),
  };
}

function callPart(answer: MockAnswer): Json {
  const call = answer.toolCall!;
  return { functionCall: { name: call.name, args: JSON.parse(call.argumentsJson) as unknown }, thoughtSignature: 'mock-thought-signature' };
}

export function geminiResponse(answer: MockAnswer): Json {
  const parts = answer.toolCall ? [callPart(answer)] : [{ text: answer.text }];
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    ...(answer.omitUsage ? {} : { usageMetadata: usageMetadata(answer) }),
    modelVersion: answer.model,
    responseId: randomId(''),
  };
}

/** One chunk per text piece (a function call comes whole); the last carries finishReason and usage. */
export function geminiStreamEvents(answer: MockAnswer): string[] {
  const responseId = randomId('');
  const frame = (parts: Json[], last: boolean) =>
    `data: ${JSON.stringify({
      candidates: [{ content: { role: 'model', parts }, ...(last ? { finishReason: 'STOP' } : {}), index: 0 }],
      ...(last && !answer.omitUsage ? { usageMetadata: usageMetadata(answer) } : {}),
      modelVersion: answer.model,
      responseId,
    })}\r\n\r\n`;
  if (answer.toolCall) return [frame([callPart(answer)], true)];
  return answer.pieces.map((piece, index) => frame([{ text: piece }], index === answer.pieces.length - 1));
}
