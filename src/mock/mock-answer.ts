import { countTokens, lastUserText, promptText, randomId, splitIntoPieces, splitJson } from './mock-conversation.js';
import { stripDirectives, type MockBehavior } from './mock-behavior.js';
import { exampleOf } from './requested-json-format.js';

export interface MockUsage {
  /** Whole prompt, cache reads and writes included. */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** Reported only when the behaviour asks: image tokens among the input, and a billed cost in USD. */
  imageTokens?: number;
  costUsd?: number;
}

/** What the fake upstream will say, decided once and then written in the requested shape. */
export interface MockAnswer {
  model: string;
  text: string;
  pieces: string[];
  toolCall: { id: string; name: string; argumentsJson: string; pieces: string[] } | undefined;
  usage: MockUsage;
  omitUsage: boolean;
}

/** `jsonFormat`: the request asked for JSON (under a schema, when it gave one), so the text is JSON that fits. */
export function planAnswer(body: Record<string, unknown>, behavior: MockBehavior, jsonFormat?: { schema: Record<string, unknown> | undefined }): MockAnswer {
  const said = stripDirectives(lastUserText(body)).slice(0, 200);
  const freeText = `Hello from the Sluice mock upstream. You said: ${said}`;
  const text = behavior.toolCall
    ? ''
    : (behavior.reply ?? (jsonFormat ? JSON.stringify(jsonFormat.schema ? exampleOf(jsonFormat.schema) : { reply: freeText }) : freeText));
  const pieces = behavior.toolCall ? [] : splitIntoPieces(text);
  const toolCall = behavior.toolCall
    ? (() => {
        const argumentsJson = JSON.stringify(behavior.toolCall.arguments);
        return { id: randomId('call_'), name: behavior.toolCall.name, argumentsJson, pieces: splitJson(argumentsJson) };
      })()
    : undefined;
  const cacheReadTokens = behavior.usage?.cacheReadTokens ?? 0;
  const cacheWriteTokens = behavior.usage?.cacheWriteTokens ?? 0;
  const reasoningTokens = behavior.usage?.reasoningTokens ?? 0;
  const generated = toolCall ? toolCall.pieces.length : pieces.length;
  return {
    model: behavior.model ?? (typeof body.model === 'string' ? body.model : 'mock-model'),
    text,
    pieces,
    toolCall,
    usage: {
      inputTokens: countTokens(promptText(body)) + cacheReadTokens + cacheWriteTokens,
      outputTokens: generated + reasoningTokens,
      cacheReadTokens,
      cacheWriteTokens,
      reasoningTokens,
      ...(behavior.usage?.imageTokens === undefined ? {} : { imageTokens: behavior.usage.imageTokens }),
      ...(behavior.usage?.cost === undefined ? {} : { costUsd: behavior.usage.cost }),
    },
    omitUsage: behavior.omitUsage === true,
  };
}
