import type { JsonObject } from '../dialects/wire-facts.js';
import type { DialectName } from '../domain/dialect-name.js';
import { dialects } from '../dialects/dialects.js';
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
 * needs are read off the raw body instead, by that shape's dialect.
 */
export function routingNeedsOf(source: RoutingNeedsSource): RoutingNeeds {
  const dialect = dialects[source.dialect];
  const maxOutputTokens = dialect.maxOutputTokens(source.body);
  const maxOutputTokensField = dialect.maxOutputTokensField(source.body);
  let core: IrRequest;
  try {
    core = source.coreRequest();
  } catch (error) {
    if (!(error instanceof GatewayError) || error.code !== 'unsupported_translation') throw error;
    const body = source.body;
    return {
      tools: Array.isArray(body.tools) && body.tools.length > 0,
      images: dialect.sendsImages(body),
      reasoning: dialect.asksForReasoning(body),
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
