import type { JsonObject } from '../dialects/wire-facts.js';
import type { DialectName } from '../domain/dialect-name.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { IrRequest } from '../ir/ir-types.js';
import type { Operation } from '../domain/operation.js';

/** What a request needs from a target; eligibility filters a group's targets by it. */
export interface RoutingNeeds {
  /** Undefined: chat. An embeddings call needs a target that makes embeddings, and nothing else. */
  operation?: Operation | undefined;
  /** Tools declared, or tool calls and results in the conversation. */
  tools: boolean;
  /** An image anywhere in the prompt. */
  images: boolean;
  /** Thinking or reasoning effort asked for. */
  reasoning: boolean;
  /** The output cap the caller asked for, and the field it used (`max_tokens`, `max_output_tokens`…). */
  maxOutputTokens: number | undefined;
  maxOutputTokensField: string;
  /** The prompt's estimated size, for targets that declare a `contextWindow`; undefined skips that check. */
  estimatedInputTokens: number | undefined;
  /** A field only one API shape can carry (`previous_response_id`, a forced hosted tool): only targets speaking it. */
  requiredShape: { dialect: DialectName; field: string } | undefined;
}

export interface RoutingNeedsSource {
  /** The caller's API shape. */
  dialect: DialectName;
  body: JsonObject;
  /** The request in the core model (memoized by the caller; it throws what the decoder throws). */
  coreRequest: () => IrRequest;
  /** The prompt's token estimate, when the caller has one (it is used for context windows only). */
  estimateInputTokens?: (() => number) | undefined;
}

/** What every embeddings call needs: a target that makes embeddings (no tools, images or output caps apply). */
export const embeddingsNeeds: RoutingNeeds = Object.freeze({
  operation: 'embeddings',
  tools: false,
  images: false,
  reasoning: false,
  maxOutputTokens: undefined,
  maxOutputTokensField: 'max_tokens',
  estimatedInputTokens: undefined,
  requiredShape: undefined,
});

/**
 * Reads what a request needs from the decoded core request. A body that only its own API shape can carry
 * (the decoder refuses it with `unsupported_translation`) needs a target speaking that shape, and its other
 * needs are read off the raw body instead.
 */
export function routingNeedsOf(source: RoutingNeedsSource): RoutingNeeds {
  const { field: maxOutputTokensField, value: maxOutputTokens } = maxOutputOf(source.dialect, source.body);
  let core: IrRequest;
  try {
    core = source.coreRequest();
  } catch (error) {
    if (!(error instanceof GatewayError) || error.code !== 'unsupported_translation') throw error;
    const body = source.body;
    return {
      tools: Array.isArray(body.tools) && body.tools.length > 0,
      images: containsImage([body.messages, body.input, body.contents], 0),
      reasoning: asksForReasoning(body),
      maxOutputTokens,
      maxOutputTokensField,
      estimatedInputTokens: undefined,
      requiredShape: { dialect: source.dialect, field: error.param ?? 'the request' },
    };
  }
  return {
    tools: core.tools.length > 0 || core.messages.some((message) => message.parts.some((part) => part.type === 'tool-call' || part.type === 'tool-result')),
    images: core.messages.some((message) =>
      message.parts.some((part) => part.type === 'image' || (part.type === 'tool-result' && part.content.some((item) => item.type === 'image'))),
    ),
    reasoning: core.reasoning !== undefined,
    maxOutputTokens,
    maxOutputTokensField,
    estimatedInputTokens: source.estimateInputTokens?.(),
    requiredShape: undefined,
  };
}

function maxOutputOf(dialect: DialectName, body: JsonObject): { field: string; value: number | undefined } {
  const numberAt = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
  switch (dialect) {
    case 'openai-chat': {
      const completion = numberAt(body.max_completion_tokens);
      return completion !== undefined ? { field: 'max_completion_tokens', value: completion } : { field: 'max_tokens', value: numberAt(body.max_tokens) };
    }
    case 'openai-responses':
      return { field: 'max_output_tokens', value: numberAt(body.max_output_tokens) };
    case 'anthropic-messages':
      return { field: 'max_tokens', value: numberAt(body.max_tokens) };
    case 'gemini': {
      const config = body.generationConfig;
      const value = config !== null && typeof config === 'object' ? numberAt((config as JsonObject).maxOutputTokens) : undefined;
      return { field: 'generationConfig.maxOutputTokens', value };
    }
    default: {
      const _exhaustive: never = dialect;
      return _exhaustive;
    }
  }
}

function asksForReasoning(body: JsonObject): boolean {
  const config = body.generationConfig;
  const geminiThinking = config !== null && typeof config === 'object' && (config as JsonObject).thinkingConfig !== undefined;
  const thinking = body.thinking as JsonObject | undefined;
  return body.reasoning !== undefined || body.reasoning_effort !== undefined || (thinking !== undefined && thinking.type !== 'disabled') || geminiThinking;
}

const imagePartTypes = new Set(['image', 'image_url', 'input_image']);
/** The body's nesting was bounded when it was read; this bounds the walk on its own as well. */
const maximumScanDepth = 32;

/** An image part in any shape: `image_url`, `input_image`, Anthropic `image`, Gemini `inlineData`/`fileData`. */
function containsImage(value: unknown, depth: number): boolean {
  if (depth > maximumScanDepth || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((item) => containsImage(item, depth + 1));
  const object = value as JsonObject;
  if (typeof object.type === 'string' && imagePartTypes.has(object.type)) return true;
  for (const key of ['inlineData', 'fileData']) {
    const data = object[key] as JsonObject | undefined;
    if (data && typeof data === 'object' && typeof data.mimeType === 'string' && data.mimeType.startsWith('image/')) return true;
  }
  for (const key in object) {
    if (Object.hasOwn(object, key) && containsImage(object[key], depth + 1)) return true;
  }
  return false;
}
