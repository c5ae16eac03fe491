import { GatewayError } from '../../errors/gateway-error.js';
import type { IrImagePart, IrMessage, IrPart, IrRequest, IrTextPart, IrToolChoice } from '../../ir/ir-types.js';
import type { JsonObject } from '../wire-facts.js';

type Json = Record<string, unknown>;

/** An OpenAI Chat Completions body as the core model. */
export function decodeOpenAiChatRequest(body: JsonObject): IrRequest {
  const system: IrTextPart[] = [];
  const messages: IrMessage[] = [];
  for (const message of (body.messages as Json[] | undefined) ?? []) {
    const role = message.role;
    if (role === 'system' || role === 'developer') {
      const parts = textParts(message.content);
      if (messages.length === 0) system.push(...parts);
      else messages.push({ role: 'system', parts });
    } else if (role === 'user') {
      messages.push({ role: 'user', parts: contentParts(message.content) });
    } else if (role === 'assistant') {
      messages.push({ role: 'assistant', parts: assistantParts(message) });
    } else if (role === 'tool' || role === 'function') {
      const result: IrPart = {
        type: 'tool-result',
        toolCallId: String(message.tool_call_id ?? message.name ?? ''),
        content: contentParts(message.content).filter(isTextOrImage),
        isError: false,
      };
      const previous = messages.at(-1);
      // Consecutive tool messages answer one assistant turn: keep them in one user turn.
      if (previous?.role === 'user' && previous.parts.every((part) => part.type === 'tool-result')) previous.parts.push(result);
      else messages.push({ role: 'user', parts: [result] });
    } else {
      throw new GatewayError('invalid_request', `Unsupported message role '${String(role)}'.`, { param: 'messages' });
    }
  }

  const request: IrRequest = {
    model: String(body.model),
    system,
    messages,
    tools: ((body.tools as Json[] | undefined) ?? [])
      .filter((tool) => tool.type === 'function' && tool.function)
      .map((tool) => {
        const fn = tool.function as Json;
        return {
          name: String(fn.name),
          ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
          parameters: (fn.parameters as Json | undefined) ?? { type: 'object', properties: {} },
        };
      }),
    stream: body.stream === true,
    warnings: [],
    streamUsage: (body.stream_options as Json | undefined)?.include_usage === true,
  };
  const toolChoice = decodeToolChoice(body.tool_choice);
  if (toolChoice) request.toolChoice = toolChoice;
  if (typeof body.parallel_tool_calls === 'boolean') request.parallelToolCalls = body.parallel_tool_calls;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (typeof maxTokens === 'number') request.maxTokens = maxTokens;
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.top_p === 'number') request.topP = body.top_p;
  if (typeof body.seed === 'number') request.seed = body.seed;
  if (typeof body.stop === 'string') request.stop = [body.stop];
  else if (Array.isArray(body.stop)) request.stop = body.stop.map(String);
  if (typeof body.user === 'string') request.user = body.user;
  const effort = body.reasoning_effort;
  if (effort === 'minimal' || effort === 'low' || effort === 'medium' || effort === 'high') request.reasoning = { effort };
  const format = body.response_format as Json | undefined;
  if (format?.type === 'json_object') request.responseFormat = { type: 'json_object' };
  else if (format?.type === 'json_schema') {
    const schema = (format.json_schema ?? {}) as Json;
    request.responseFormat = {
      type: 'json_schema',
      name: String(schema.name ?? 'response'),
      schema: (schema.schema as Json | undefined) ?? {},
      ...(typeof schema.strict === 'boolean' ? { strict: schema.strict } : {}),
    };
  }
  return request;
}

function decodeToolChoice(choice: unknown): IrToolChoice | undefined {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return { type: choice };
  const name = ((choice as Json | undefined)?.function as Json | undefined)?.name;
  return typeof name === 'string' ? { type: 'tool', name } : undefined;
}

function isTextOrImage(part: IrPart): part is IrTextPart | IrImagePart {
  return part.type === 'text' || part.type === 'image';
}

function textParts(content: unknown): IrTextPart[] {
  return contentParts(content).filter((part): part is IrTextPart => part.type === 'text');
}

function contentParts(content: unknown): IrPart[] {
  if (typeof content === 'string') return content.length > 0 ? [{ type: 'text', text: content }] : [];
  if (!Array.isArray(content)) return [];
  const parts: IrPart[] = [];
  for (const item of content as Json[]) {
    if (item.type === 'text' && typeof item.text === 'string') parts.push({ type: 'text', text: item.text });
    else if (item.type === 'image_url') {
      const url = String((item.image_url as Json | undefined)?.url ?? '');
      const data = /^data:([^;]+);base64,(.*)$/s.exec(url);
      parts.push({
        type: 'image',
        source: data ? { kind: 'base64', mediaType: data[1] ?? 'image/png', data: data[2] ?? '' } : { kind: 'url', url },
      });
    } else {
      throw new GatewayError('invalid_request', `Content part type '${String(item.type)}' cannot be translated to another provider.`, {
        param: 'messages',
      });
    }
  }
  return parts;
}

function assistantParts(message: Json): IrPart[] {
  const parts: IrPart[] = [];
  if (typeof message.reasoning_content === 'string' && message.reasoning_content.length > 0) {
    parts.push({ type: 'reasoning', text: message.reasoning_content });
  }
  parts.push(...contentParts(message.content));
  for (const call of (message.tool_calls as Json[] | undefined) ?? []) {
    const fn = (call.function ?? {}) as Json;
    // Gemini's thought signature, where its OpenAI-compatible API (and Sluice) put it on the call.
    const signature = ((call.extra_content as Json | undefined)?.google as Json | undefined)?.thought_signature;
    if (typeof signature === 'string' && signature) parts.push({ type: 'reasoning', text: '', state: { family: 'gemini', value: signature } });
    parts.push({ type: 'tool-call', id: String(call.id), name: String(fn.name), arguments: String(fn.arguments ?? '{}') });
  }
  return parts;
}
