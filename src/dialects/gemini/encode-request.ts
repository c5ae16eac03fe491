import type { IrRequest } from '../../ir/ir-types.js';
import { stateForProvider } from '../../ir/reasoning-state.js';
import type { ProviderEntry } from '../../domain/provider-entry.js';
import type { EncodedRequest } from '../dialect.js';
import type { JsonObject } from '../wire-facts.js';
import { toGeminiParts } from './gemini-parts.js';

type Json = Record<string, unknown>;

/** The core model as a generateContent body (the model and streaming go in the URL). */
export function encodeGeminiRequest(request: IrRequest, _target: { provider: ProviderEntry; upstreamModel: string }): EncodedRequest {
  const warnings: string[] = [];
  const callNames = new Map<string, string>();
  const contents: Json[] = [];
  const systemParts: Json[] = request.system.map((part) => ({ text: part.text }));
  for (const message of request.messages) {
    if (message.role === 'system') {
      systemParts.push(...message.parts.filter((part) => part.type === 'text').map((part) => ({ text: part.text })));
      continue;
    }
    const parts = toGeminiParts(message.parts, {
      signatureOf: (state) => stateForProvider(state, 'gemini'),
      keepUnsignedThoughts: false,
      callNames,
    });
    if (parts.length === 0) continue;
    const role = message.role === 'assistant' ? 'model' : 'user';
    const previous = contents.at(-1);
    if (previous?.role === role) (previous.parts as Json[]).push(...parts);
    else contents.push({ role, parts });
  }

  const body: JsonObject = { contents };
  if (systemParts.length > 0) body.systemInstruction = { parts: systemParts };
  if (request.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: request.tools.map((tool) => ({
          name: tool.name,
          ...(tool.description ? { description: tool.description } : {}),
          parametersJsonSchema: tool.parameters,
        })),
      },
    ];
  }
  const choice = request.toolChoice;
  if (choice && request.tools.length > 0) {
    body.toolConfig = {
      functionCallingConfig:
        choice.type === 'none'
          ? { mode: 'NONE' }
          : choice.type === 'required'
            ? { mode: 'ANY' }
            : choice.type === 'tool'
              ? { mode: 'ANY', allowedFunctionNames: [choice.name] }
              : { mode: 'AUTO' },
    };
  }
  const generation: Json = {};
  if (request.maxTokens !== undefined) generation.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) generation.temperature = request.temperature;
  if (request.topP !== undefined) generation.topP = request.topP;
  if (request.topK !== undefined) generation.topK = request.topK;
  if (request.stop) generation.stopSequences = request.stop;
  if (request.seed !== undefined) generation.seed = request.seed;
  if (request.reasoning) {
    const budgets = { minimal: 512, low: 1024, medium: 8192, high: 24576 } as const;
    generation.thinkingConfig = { thinkingBudget: request.reasoning.budgetTokens ?? budgets[request.reasoning.effort ?? 'medium'], includeThoughts: true };
  }
  if (request.responseFormat?.type === 'json_object') generation.responseMimeType = 'application/json';
  else if (request.responseFormat?.type === 'json_schema') {
    generation.responseMimeType = 'application/json';
    generation.responseJsonSchema = request.responseFormat.schema;
  }
  if (request.parallelToolCalls === false) warnings.push('parallel_tool_calls dropped: not supported by the target');
  if (Object.keys(generation).length > 0) body.generationConfig = generation;
  return { body, warnings };
}
