import type { IrPart, IrRequest } from '../../ir/ir-types.js';
import type { ProviderEntry } from '../../domain/provider-entry.js';
import type { EncodedRequest } from '../dialect.js';
import type { JsonObject } from '../wire-facts.js';
import { openAiStrictFlag } from '../strict-schema-problem.js';

type Json = Record<string, unknown>;

/** The core model as an OpenAI Chat Completions body for `target`. */
export function encodeOpenAiChatRequest(request: IrRequest, target: { provider: ProviderEntry; upstreamModel: string }): EncodedRequest {
  const warnings: string[] = [];
  const messages: Json[] = [];
  if (request.system.length > 0) messages.push({ role: 'system', content: request.system.map((part) => part.text).join('\n\n') });

  for (const message of request.messages) {
    if (message.role === 'system') {
      messages.push({ role: 'system', content: textOf(message.parts) });
    } else if (message.role === 'assistant') {
      const assistant: Json = { role: 'assistant', content: textOf(message.parts) || null };
      const calls = message.parts.filter((part) => part.type === 'tool-call');
      if (calls.length > 0) {
        assistant.tool_calls = calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));
      }
      if (message.parts.some((part) => part.type === 'reasoning')) warnings.push('reasoning history dropped: the target does not accept it');
      messages.push(assistant);
    } else {
      // Tool results become `tool` messages, which must directly follow the assistant turn that called them.
      for (const part of message.parts) {
        if (part.type !== 'tool-result') continue;
        const text = part.content.filter((item) => item.type === 'text').map((item) => item.text).join('\n');
        messages.push({ role: 'tool', tool_call_id: part.toolCallId, content: part.isError && text ? `Error: ${text}` : text });
      }
      const content = userContent(message.parts);
      if (content.length > 0) messages.push({ role: 'user', content: content.length === 1 && content[0]?.type === 'text' ? content[0].text : content });
    }
  }

  const body: JsonObject = { model: target.upstreamModel, messages };
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, ...(tool.description ? { description: tool.description } : {}), parameters: tool.parameters },
    }));
  }
  if (request.toolChoice) {
    body.tool_choice = request.toolChoice.type === 'tool' ? { type: 'function', function: { name: request.toolChoice.name } } : request.toolChoice.type;
  }
  if (request.parallelToolCalls !== undefined && request.tools.length > 0) body.parallel_tool_calls = request.parallelToolCalls;
  if (request.maxTokens !== undefined) body[target.provider.maxTokensField] = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.topK !== undefined) warnings.push('top_k dropped: not supported by the target');
  if (request.stop) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.user) body.user = request.user;
  if (request.responseFormat && request.responseFormat.type !== 'text') {
    body.response_format =
      request.responseFormat.type === 'json_object'
        ? { type: 'json_object' }
        : {
            type: 'json_schema',
            json_schema: withStrict({ name: request.responseFormat.name, schema: request.responseFormat.schema }, openAiStrictFlag(request.responseFormat, warnings)),
          };
  }
  if (request.reasoning) warnings.push('thinking dropped: the target model is called without reasoning settings');
  if (request.stream) {
    body.stream = true;
    if (target.provider.acceptsStreamUsageOption) body.stream_options = { include_usage: true };
  }
  return { body, warnings };
}

function textOf(parts: IrPart[]): string {
  return parts
    .filter((part) => part.type === 'text')
    .map((part) => part.text)
    .join('');
}

function userContent(parts: IrPart[]): Json[] {
  const content: Json[] = [];
  for (const part of parts) {
    if (part.type === 'text') content.push({ type: 'text', text: part.text });
    else if (part.type === 'image') {
      const url = part.source.kind === 'url' ? part.source.url : `data:${part.source.mediaType};base64,${part.source.data}`;
      content.push({ type: 'image_url', image_url: { url } });
    }
  }
  return content;
}

function withStrict(format: Json, strict: boolean | undefined): Json {
  if (strict !== undefined) format.strict = strict;
  return format;
}
