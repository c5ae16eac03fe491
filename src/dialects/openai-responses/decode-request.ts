import { GatewayError } from '../../errors/gateway-error.js';
import type { IrImagePart, IrMessage, IrPart, IrRequest, IrTextPart, IrTool } from '../../ir/ir-types.js';
import { stateFromCaller } from '../../ir/reasoning-state.js';
import type { JsonObject } from '../wire-facts.js';

type Json = Record<string, unknown>;

/** Free-text input of a Responses custom tool, as a function argument other providers understand. */
export const freeformParameters = {
  type: 'object',
  properties: { input: { type: 'string', description: 'The raw input for the tool.' } },
  required: ['input'],
};

/**
 * A Responses request as the core model. Stateless only: `previous_response_id` and tools that run on
 * OpenAI's side cannot be served by another provider and are refused by name.
 */
export function decodeResponsesRequest(body: JsonObject): IrRequest {
  if (typeof body.previous_response_id === 'string') {
    throw new GatewayError(
      'unsupported_translation',
      "'previous_response_id' needs OpenAI's stored conversation state; send the whole conversation as input instead.",
      { param: 'previous_response_id' },
    );
  }
  const system: IrTextPart[] = typeof body.instructions === 'string' && body.instructions ? [{ type: 'text', text: body.instructions }] : [];
  const messages: IrMessage[] = [];
  const push = (role: IrMessage['role'], parts: IrPart[]) => {
    const previous = messages.at(-1);
    // Consecutive items of one turn (a message, then its function calls) belong together.
    if (previous?.role === role && role !== 'system') previous.parts.push(...parts);
    else messages.push({ role, parts });
  };

  const items: Json[] = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : ((body.input as Json[] | undefined) ?? []);
  for (const item of items) {
    const type = item.type ?? 'message';
    if (type === 'message') {
      const role = item.role;
      const parts = contentParts(item.content);
      if (role === 'system' || role === 'developer') {
        if (messages.length === 0) system.push(...parts.filter((part): part is IrTextPart => part.type === 'text'));
        else push('system', parts);
      } else push(role === 'assistant' ? 'assistant' : 'user', parts);
    } else if (type === 'function_call' || type === 'custom_tool_call') {
      const argumentsText = type === 'custom_tool_call' ? JSON.stringify({ input: String(item.input ?? '') }) : String(item.arguments ?? '{}');
      push('assistant', [{ type: 'tool-call', id: String(item.call_id), name: String(item.name), arguments: argumentsText }]);
    } else if (type === 'function_call_output' || type === 'custom_tool_call_output') {
      push('user', [{ type: 'tool-result', toolCallId: String(item.call_id), content: outputParts(item.output), isError: false }]);
    } else if (type === 'reasoning') {
      const summary = ((item.summary as Json[] | undefined) ?? []).map((part) => String(part.text ?? '')).join('\n');
      const encrypted = typeof item.encrypted_content === 'string' ? item.encrypted_content : '';
      push('assistant', [{ type: 'reasoning', text: summary, ...(encrypted ? { state: stateFromCaller(encrypted, 'openai') } : {}) }]);
    } else {
      throw new GatewayError('unsupported_translation', `Input item type '${String(type)}' cannot be served by a provider other than OpenAI.`, {
        param: 'input',
      });
    }
  }

  const warnings: string[] = [];
  const tools: IrTool[] = [];
  for (const tool of (body.tools as Json[] | undefined) ?? []) {
    const decoded = decodeTool(tool);
    if (decoded) tools.push(decoded);
    else warnings.push(`tool '${String(tool.name ?? tool.type)}' (${String(tool.type)}) dropped: it runs on OpenAI only`);
  }
  const request: IrRequest = { model: String(body.model), system, messages, tools, stream: body.stream === true, streamUsage: true, warnings };
  const choice = body.tool_choice;
  const forced = choice && typeof choice === 'object' ? (choice as Json) : undefined;
  if (forced && forced.type !== 'function' && forced.type !== 'custom' && forced.type !== 'allowed_tools') {
    // Forcing a hosted tool changes what the answer must be: that cannot be quietly dropped.
    throw new GatewayError('unsupported_translation', `tool_choice '${String(forced.type)}' runs on OpenAI only and cannot be served by this model.`, {
      param: 'tool_choice',
    });
  }
  if (choice === 'auto' || choice === 'none' || choice === 'required') request.toolChoice = { type: choice };
  else if (choice && typeof choice === 'object' && typeof (choice as Json).name === 'string') {
    request.toolChoice = { type: 'tool', name: String((choice as Json).name) };
  }
  if (typeof body.parallel_tool_calls === 'boolean') request.parallelToolCalls = body.parallel_tool_calls;
  if (typeof body.max_output_tokens === 'number') request.maxTokens = body.max_output_tokens;
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.top_p === 'number') request.topP = body.top_p;
  const user = body.safety_identifier ?? body.user;
  if (typeof user === 'string') request.user = user;
  const effort = (body.reasoning as Json | undefined)?.effort;
  if (effort === 'minimal' || effort === 'low' || effort === 'medium' || effort === 'high') request.reasoning = { effort };
  const format = ((body.text as Json | undefined)?.format ?? undefined) as Json | undefined;
  if (format?.type === 'json_object') request.responseFormat = { type: 'json_object' };
  else if (format?.type === 'json_schema') {
    request.responseFormat = {
      type: 'json_schema',
      name: String(format.name ?? 'response'),
      schema: (format.schema as Json | undefined) ?? {},
      ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}),
    };
  }
  return request;
}

/**
 * Function and custom tools translate; hosted ones (web search, file search, namespaces of OpenAI's own
 * agent tools…) cannot run elsewhere. Declaring them only offers the model an option, so they are dropped
 * with a warning rather than refused, which keeps agents such as Codex working on other providers.
 */
function decodeTool(tool: Json): IrTool | undefined {
  if (tool.type === 'function') {
    return {
      name: String(tool.name),
      ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
      parameters: (tool.parameters as Json | undefined) ?? { type: 'object', properties: {} },
    };
  }
  if (tool.type === 'custom') {
    return {
      name: String(tool.name),
      ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
      parameters: freeformParameters,
      freeform: true,
    };
  }
  return undefined;
}

function contentParts(content: unknown): IrPart[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  const parts: IrPart[] = [];
  for (const part of (content as Json[] | undefined) ?? []) {
    if (part.type === 'input_text' || part.type === 'output_text' || part.type === 'text') parts.push({ type: 'text', text: String(part.text ?? '') });
    else if (part.type === 'refusal') parts.push({ type: 'text', text: String(part.refusal ?? '') });
    else if (part.type === 'input_image' && typeof part.image_url === 'string') parts.push(imagePart(part.image_url));
    else {
      throw new GatewayError('unsupported_translation', `Content type '${String(part.type)}' cannot be served by a provider other than OpenAI.`, {
        param: 'input',
      });
    }
  }
  return parts;
}

function outputParts(output: unknown): Array<IrTextPart | IrImagePart> {
  if (typeof output === 'string') return [{ type: 'text', text: output }];
  return contentParts(output).filter((part): part is IrTextPart | IrImagePart => part.type === 'text' || part.type === 'image');
}

function imagePart(url: string): IrImagePart {
  const data = /^data:([^;]+);base64,(.*)$/s.exec(url);
  return { type: 'image', source: data ? { kind: 'base64', mediaType: data[1] ?? 'image/png', data: data[2] ?? '' } : { kind: 'url', url } };
}
