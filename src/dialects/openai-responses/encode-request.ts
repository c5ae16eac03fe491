import type { IrPart, IrRequest } from '../../ir/ir-types.js';
import { stateForProvider } from '../../ir/reasoning-state.js';
import type { ProviderEntry } from '../../domain/provider-entry.js';
import type { EncodedRequest } from '../dialect.js';
import type { JsonObject } from '../wire-facts.js';
import { openAiStrictFlag } from '../strict-schema-problem.js';

type Json = Record<string, unknown>;

/** The core model as a stateless Responses body (`store: false`, the whole conversation as input items). */
export function encodeResponsesRequest(request: IrRequest, target: { provider: ProviderEntry; upstreamModel: string }): EncodedRequest {
  const warnings: string[] = [];
  const input: Json[] = [];
  const freeform = new Set(request.tools.filter((tool) => tool.freeform).map((tool) => tool.name));
  for (const message of request.messages) {
    const text: Json[] = [];
    const flushText = () => {
      if (text.length === 0) return;
      input.push({ type: 'message', role: message.role === 'system' ? 'developer' : message.role, content: [...text] });
      text.length = 0;
    };
    for (const part of message.parts) {
      if (part.type === 'text') text.push({ type: message.role === 'assistant' ? 'output_text' : 'input_text', text: part.text });
      else if (part.type === 'image') text.push({ type: 'input_image', image_url: imageUrl(part) });
      else {
        flushText();
        const item = itemOf(part, freeform);
        if (item) input.push(item);
        else if (part.type === 'reasoning') warnings.push('reasoning history dropped: it came from another provider');
      }
    }
    flushText();
  }
  const body: JsonObject = { model: target.upstreamModel, input, store: false };
  if (request.system.length > 0) body.instructions = request.system.map((part) => part.text).join('\n\n');
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) =>
      tool.freeform
        ? { type: 'custom', name: tool.name, ...(tool.description ? { description: tool.description } : {}) }
        : { type: 'function', name: tool.name, ...(tool.description ? { description: tool.description } : {}), parameters: tool.parameters },
    );
  }
  if (request.toolChoice) body.tool_choice = request.toolChoice.type === 'tool' ? { type: 'function', name: request.toolChoice.name } : request.toolChoice.type;
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  if (request.maxTokens !== undefined) body.max_output_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.user) body.safety_identifier = request.user;
  if (request.stop) warnings.push('stop sequences dropped: not supported by the Responses API');
  if (request.reasoning) {
    body.reasoning = { effort: request.reasoning.effort ?? 'medium' };
    body.include = ['reasoning.encrypted_content'];
  }
  if (request.responseFormat && request.responseFormat.type !== 'text') {
    body.text = {
      format:
        request.responseFormat.type === 'json_object'
          ? { type: 'json_object' }
          : {
              type: 'json_schema',
              name: request.responseFormat.name,
              schema: request.responseFormat.schema,
              strict: openAiStrictFlag(request.responseFormat, warnings) ?? false,
            },
    };
  }
  if (request.stream) body.stream = true;
  return { body, warnings };
}

function itemOf(part: IrPart, freeform: ReadonlySet<string>): Json | undefined {
  switch (part.type) {
    case 'tool-call':
      if (freeform.has(part.name)) return { type: 'custom_tool_call', call_id: part.id, name: part.name, input: freeformInput(part.arguments) };
      return { type: 'function_call', call_id: part.id, name: part.name, arguments: part.arguments };
    case 'tool-result':
      return {
        type: 'function_call_output',
        call_id: part.toolCallId,
        output: part.content.filter((item) => item.type === 'text').map((item) => item.text).join('\n'),
      };
    case 'reasoning': {
      // Only OpenAI's own encrypted reasoning can go back to it.
      const encrypted = stateForProvider(part.state, 'openai');
      return encrypted ? { type: 'reasoning', summary: part.text ? [{ type: 'summary_text', text: part.text }] : [], encrypted_content: encrypted } : undefined;
    }
    default:
      return undefined;
  }
}

/** The free text of a custom tool call that travelled as a function's `{ "input": … }` argument. */
export function freeformInput(argumentsText: string): string {
  try {
    const parsed = JSON.parse(argumentsText) as { input?: unknown };
    return typeof parsed.input === 'string' ? parsed.input : argumentsText;
  } catch {
    return argumentsText;
  }
}

function imageUrl(part: Extract<IrPart, { type: 'image' }>): string {
  return part.source.kind === 'url' ? part.source.url : `data:${part.source.mediaType};base64,${part.source.data}`;
}
