import { GatewayError } from '../../errors/gateway-error.js';
import type { IrImagePart, IrMessage, IrPart, IrRequest, IrTextPart } from '../../ir/ir-types.js';
import { stateFromCaller } from '../../ir/reasoning-state.js';
import type { JsonObject } from '../wire-facts.js';

type Json = Record<string, unknown>;

/** An Anthropic Messages body as the core model. */
export function decodeAnthropicRequest(body: JsonObject): IrRequest {
  const messages: IrMessage[] = ((body.messages as Json[] | undefined) ?? []).map((message) => {
    const role = message.role === 'assistant' ? 'assistant' : message.role === 'system' ? 'system' : 'user';
    return { role, parts: blocksToParts(message.content) };
  });
  const request: IrRequest = {
    model: String(body.model),
    system: blocksToParts(body.system).filter((part): part is IrTextPart => part.type === 'text'),
    messages,
    // Server tools (web search, code execution…) have no input schema and only run on Anthropic.
    tools: ((body.tools as Json[] | undefined) ?? [])
      .filter((tool) => tool.input_schema !== undefined)
      .map((tool) => ({
        name: String(tool.name),
        ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
        parameters: tool.input_schema as Json,
      })),
    stream: body.stream === true,
    warnings: [],
    streamUsage: true,
  };
  const choice = body.tool_choice as Json | undefined;
  if (choice?.type === 'auto' || choice?.type === 'none') request.toolChoice = { type: choice.type };
  else if (choice?.type === 'any') request.toolChoice = { type: 'required' };
  else if (choice?.type === 'tool') request.toolChoice = { type: 'tool', name: String(choice.name) };
  if (choice?.disable_parallel_tool_use === true) request.parallelToolCalls = false;
  if (typeof body.max_tokens === 'number') request.maxTokens = body.max_tokens;
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.top_p === 'number') request.topP = body.top_p;
  if (typeof body.top_k === 'number') request.topK = body.top_k;
  if (Array.isArray(body.stop_sequences)) request.stop = body.stop_sequences.map(String);
  const userId = (body.metadata as Json | undefined)?.user_id;
  if (typeof userId === 'string') request.user = userId;
  const thinking = body.thinking as Json | undefined;
  if (thinking?.type === 'enabled' && typeof thinking.budget_tokens === 'number') request.reasoning = { budgetTokens: thinking.budget_tokens };
  // Structured outputs: `output_config.format`, or `output_format` from the beta that preceded it.
  const format = ((body.output_config as Json | undefined)?.format ?? body.output_format) as Json | undefined;
  if (format?.type === 'json_schema' && isObject(format.schema)) {
    // Claude always constrains its answer to the schema: that is what the caller asked of any target.
    request.responseFormat = { type: 'json_schema', name: 'response', schema: format.schema, strict: true };
  }
  return request;
}

function blocksToParts(content: unknown): IrPart[] {
  if (typeof content === 'string') return content.length > 0 ? [{ type: 'text', text: content }] : [];
  if (!Array.isArray(content)) return [];
  const parts: IrPart[] = [];
  for (const block of content as Json[]) {
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: String(block.text ?? ''), ...(block.cache_control ? { cacheControl: block.cache_control } : {}) });
        break;
      case 'image':
        parts.push(imagePart(block));
        break;
      case 'tool_use':
        parts.push({ type: 'tool-call', id: String(block.id), name: String(block.name), arguments: JSON.stringify(block.input ?? {}) });
        break;
      case 'tool_result':
        parts.push({
          type: 'tool-result',
          toolCallId: String(block.tool_use_id),
          content: blocksToParts(block.content).filter((part): part is IrTextPart | IrImagePart => part.type === 'text' || part.type === 'image'),
          isError: block.is_error === true,
        });
        break;
      case 'thinking':
        parts.push({
          type: 'reasoning',
          text: String(block.thinking ?? ''),
          ...(typeof block.signature === 'string' && block.signature ? { state: stateFromCaller(block.signature, 'anthropic') } : {}),
        });
        break;
      case 'redacted_thinking':
        parts.push({ type: 'reasoning', text: '', redacted: String(block.data ?? '') });
        break;
      default:
        throw new GatewayError('invalid_request', `Content block type '${String(block.type)}' cannot be translated to another provider.`, {
          param: 'messages',
        });
    }
  }
  return parts;
}

function imagePart(block: Json): IrImagePart {
  const source = (block.source ?? {}) as Json;
  if (source.type === 'url') return { type: 'image', source: { kind: 'url', url: String(source.url) } };
  return {
    type: 'image',
    source: { kind: 'base64', mediaType: String(source.media_type ?? 'image/png'), data: String(source.data ?? '') },
  };
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
