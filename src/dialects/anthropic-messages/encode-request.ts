import type { IrPart, IrRequest } from '../../ir/ir-types.js';
import { stateForProvider } from '../../ir/reasoning-state.js';
import type { ProviderEntry } from '../../domain/provider-entry.js';
import type { EncodedRequest } from '../dialect.js';
import type { JsonObject } from '../wire-facts.js';
import { closeObjectSchemas } from './close-object-schemas.js';
import { planThinking } from './plan-thinking.js';

type Json = Record<string, unknown>;

/** The core model as an Anthropic Messages body. */
export function encodeAnthropicRequest(request: IrRequest, target: { provider: ProviderEntry; upstreamModel: string }): EncodedRequest {
  const warnings: string[] = [];
  const system: Json[] = request.system.map(textBlock);
  const messages: Json[] = [];
  for (const message of request.messages) {
    if (message.role === 'system') {
      // The Messages API has no system turns: later instructions join the system prompt.
      system.push(...message.parts.filter((part) => part.type === 'text').map(textBlock));
      continue;
    }
    const blocks = message.role === 'assistant' ? assistantBlocks(message.parts) : userBlocks(message.parts);
    if (blocks.length === 0) continue;
    const previous = messages.at(-1);
    // Roles must alternate: merge what two OpenAI messages said in a row.
    if (previous?.role === message.role) (previous.content as Json[]).push(...blocks);
    else messages.push({ role: message.role, content: blocks });
  }

  const thinking = planThinking(request);
  const body: JsonObject = { model: target.upstreamModel, max_tokens: thinking.maxTokens, messages };
  if (system.length > 0) body.system = system;
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      input_schema: tool.parameters,
    }));
  }
  const choice = request.toolChoice;
  if (choice && request.tools.length > 0) {
    const encoded: Json =
      choice.type === 'required' ? { type: 'any' } : choice.type === 'tool' ? { type: 'tool', name: choice.name } : { type: choice.type };
    if (request.parallelToolCalls === false && choice.type !== 'none') encoded.disable_parallel_tool_use = true;
    body.tool_choice = encoded;
  } else if (request.parallelToolCalls === false && request.tools.length > 0) {
    body.tool_choice = { type: 'auto', disable_parallel_tool_use: true };
  }
  if (request.temperature !== undefined) body.temperature = Math.min(1, request.temperature);
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.topK !== undefined) body.top_k = request.topK;
  if (request.stop) body.stop_sequences = request.stop;
  if (request.user) body.metadata = { user_id: request.user };
  if (request.seed !== undefined) warnings.push('seed dropped: not supported by the target');
  const format = request.responseFormat;
  if (format?.type === 'json_schema') {
    // Structured outputs (GA, no beta header): the answer is constrained to the schema.
    body.output_config = { format: { type: 'json_schema', schema: closeObjectSchemas(format.schema) } };
  } else if (format?.type === 'json_object') {
    warnings.push(
      'response_format json_object dropped: Claude has no schema-free JSON mode (its structured outputs need a JSON schema); ' +
        'send a json_schema, or ask for JSON in the prompt',
    );
  }
  if (thinking.warning) warnings.push(thinking.warning);
  if (thinking.budgetTokens !== undefined) {
    body.thinking = { type: 'enabled', budget_tokens: thinking.budgetTokens };
    // Claude samples thinking its own way: it refuses a temperature, top_k or a top_p below 0.95 with it.
    if (body.temperature !== undefined && body.temperature !== 1) warnings.push('temperature dropped: Claude takes none with thinking');
    if (body.top_k !== undefined) warnings.push('top_k dropped: Claude takes none with thinking');
    if (typeof body.top_p === 'number' && body.top_p < 0.95) {
      warnings.push('top_p dropped: Claude takes only 0.95 to 1 with thinking');
      delete body.top_p;
    }
    delete body.temperature;
    delete body.top_k;
  }
  if (request.stream) body.stream = true;
  return { body, warnings };
}

function textBlock(part: Extract<IrPart, { type: 'text' }>): Json {
  return { type: 'text', text: part.text, ...(part.cacheControl ? { cache_control: part.cacheControl } : {}) };
}

function imageBlock(part: Extract<IrPart, { type: 'image' }>): Json {
  return {
    type: 'image',
    source:
      part.source.kind === 'url'
        ? { type: 'url', url: part.source.url }
        : { type: 'base64', media_type: part.source.mediaType, data: part.source.data },
  };
}

function assistantBlocks(parts: IrPart[]): Json[] {
  const blocks: Json[] = [];
  for (const part of parts) {
    if (part.type === 'reasoning') {
      // Thinking only round-trips with Anthropic's own signature; another provider's reasoning is dropped.
      const signature = stateForProvider(part.state, 'anthropic');
      if (part.redacted) blocks.push({ type: 'redacted_thinking', data: part.redacted });
      else if (signature) blocks.push({ type: 'thinking', thinking: part.text, signature });
    } else if (part.type === 'text' && part.text.length > 0) {
      blocks.push(textBlock(part));
    } else if (part.type === 'tool-call') {
      blocks.push({ type: 'tool_use', id: part.id, name: part.name, input: parseArguments(part.arguments) });
    }
  }
  return blocks;
}

function userBlocks(parts: IrPart[]): Json[] {
  // Tool results must open the user turn that answers a tool call.
  const results: Json[] = [];
  const rest: Json[] = [];
  for (const part of parts) {
    if (part.type === 'tool-result') {
      results.push({
        type: 'tool_result',
        tool_use_id: part.toolCallId,
        content: part.content.map((item) => (item.type === 'text' ? textBlock(item) : imageBlock(item))),
        ...(part.isError ? { is_error: true } : {}),
      });
    } else if (part.type === 'text' && part.text.length > 0) rest.push(textBlock(part));
    else if (part.type === 'image') rest.push(imageBlock(part));
  }
  return [...results, ...rest];
}

function parseArguments(text: string): unknown {
  try {
    const parsed: unknown = JSON.parse(text || '{}');
    return parsed !== null && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}
