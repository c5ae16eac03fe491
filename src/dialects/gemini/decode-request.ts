import { GatewayError } from '../../errors/gateway-error.js';
import type { IrMessage, IrPart, IrRequest, IrTextPart, IrTool } from '../../ir/ir-types.js';
import { stateFromCaller } from '../../ir/reasoning-state.js';
import type { JsonObject } from '../wire-facts.js';
import { jsonSchemaFromGemini } from './json-schema-from-gemini.js';

type Json = Record<string, unknown>;

/** Gemini's REST API takes camelCase and, as proto JSON, snake_case too. */
export function field(object: Json | undefined, camelCase: string): unknown {
  if (!object) return undefined;
  if (object[camelCase] !== undefined) return object[camelCase];
  return object[camelCase.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)];
}

/** A generateContent body as the core model. Function calls without ids get ids made from their position. */
export function decodeGeminiRequest(body: JsonObject): IrRequest {
  const warnings: string[] = [];
  const messages: IrMessage[] = [];
  let callCounter = 0;
  const pendingIds: Array<{ name: string; id: string }> = [];
  for (const content of (field(body, 'contents') as Json[] | undefined) ?? []) {
    const role = content.role === 'model' ? 'assistant' : 'user';
    const parts: IrPart[] = [];
    for (const part of (content.parts as Json[] | undefined) ?? []) {
      const signature = field(part, 'thoughtSignature');
      const call = field(part, 'functionCall') as Json | undefined;
      const response = field(part, 'functionResponse') as Json | undefined;
      const inline = field(part, 'inlineData') as Json | undefined;
      const file = field(part, 'fileData') as Json | undefined;
      const state = typeof signature === 'string' && signature ? stateFromCaller(signature, 'gemini') : undefined;
      if (call) {
        const id = typeof call.id === 'string' ? call.id : `call_${callCounter++}_${String(call.name)}`;
        pendingIds.push({ name: String(call.name), id });
        // A call's thought signature is reasoning state that must precede it when it goes back.
        if (state) parts.push({ type: 'reasoning', text: '', state });
        parts.push({ type: 'tool-call', id, name: String(call.name), arguments: JSON.stringify(call.args ?? {}) });
      } else if (response) {
        const name = String(response.name);
        // Without ids, a response answers the oldest open call of that name.
        const match = typeof response.id === 'string' ? response.id : pendingIds.find((pending) => pending.name === name)?.id;
        const index = pendingIds.findIndex((pending) => pending.id === match);
        if (index >= 0) pendingIds.splice(index, 1);
        parts.push({ type: 'tool-result', toolCallId: match ?? `call_${name}`, content: [{ type: 'text', text: JSON.stringify(response.response ?? {}) }], isError: false });
      } else if (typeof part.text === 'string') {
        if (part.thought === true || (state && !part.text)) parts.push({ type: 'reasoning', text: part.text, ...(state ? { state } : {}) });
        else {
          if (state) parts.push({ type: 'reasoning', text: '', state });
          parts.push({ type: 'text', text: part.text });
        }
      } else if (inline) {
        parts.push({ type: 'image', source: { kind: 'base64', mediaType: String(field(inline, 'mimeType') ?? 'image/png'), data: String(inline.data ?? '') } });
      } else if (file) {
        parts.push({ type: 'image', source: { kind: 'url', url: String(field(file, 'fileUri') ?? '') } });
      } else {
        throw new GatewayError('unsupported_translation', `Part '${Object.keys(part).join(',')}' cannot be served by a provider other than Gemini.`, {
          param: 'contents',
        });
      }
    }
    messages.push({ role, parts });
  }

  const system = (((field(body, 'systemInstruction') as Json | undefined)?.parts as Json[] | undefined) ?? [])
    .filter((part) => typeof part.text === 'string')
    .map((part): IrTextPart => ({ type: 'text', text: String(part.text) }));

  const tools: IrTool[] = [];
  for (const tool of (field(body, 'tools') as Json[] | undefined) ?? []) {
    const declarations = field(tool, 'functionDeclarations') as Json[] | undefined;
    if (!declarations) {
      warnings.push(`tool '${Object.keys(tool).join(',')}' dropped: it runs on Gemini only`);
      continue;
    }
    for (const declaration of declarations) {
      tools.push({
        name: String(declaration.name),
        ...(typeof declaration.description === 'string' ? { description: declaration.description } : {}),
        parameters: declarationParameters(declaration),
      });
    }
  }

  const request: IrRequest = { model: '', system, messages, tools, stream: false, streamUsage: true, warnings };
  const callingConfig = field((field(body, 'toolConfig') as Json | undefined) ?? {}, 'functionCallingConfig') as Json | undefined;
  const mode = callingConfig?.mode;
  const allowed = field(callingConfig, 'allowedFunctionNames') as string[] | undefined;
  if (mode === 'NONE') request.toolChoice = { type: 'none' };
  else if (mode === 'ANY') request.toolChoice = allowed?.length === 1 && allowed[0] ? { type: 'tool', name: allowed[0] } : { type: 'required' };
  else if (mode === 'AUTO') request.toolChoice = { type: 'auto' };

  const generation = field(body, 'generationConfig') as Json | undefined;
  const maxTokens = field(generation, 'maxOutputTokens');
  if (typeof maxTokens === 'number') request.maxTokens = maxTokens;
  if (typeof generation?.temperature === 'number') request.temperature = generation.temperature;
  const topP = field(generation, 'topP');
  if (typeof topP === 'number') request.topP = topP;
  const topK = field(generation, 'topK');
  if (typeof topK === 'number') request.topK = topK;
  const stop = field(generation, 'stopSequences');
  if (Array.isArray(stop)) request.stop = stop.map(String);
  if (typeof generation?.seed === 'number') request.seed = generation.seed;
  const budget = field(field(generation, 'thinkingConfig') as Json | undefined, 'thinkingBudget');
  if (typeof budget === 'number' && budget > 0) request.reasoning = { budgetTokens: budget };
  if (field(generation, 'responseMimeType') === 'application/json') {
    const jsonSchema = field(generation, 'responseJsonSchema');
    const geminiSchema = field(generation, 'responseSchema');
    const schema = isObject(jsonSchema) ? jsonSchema : isObject(geminiSchema) ? jsonSchemaFromGemini(geminiSchema) : undefined;
    // Gemini constrains its answer to a response schema: that is what the caller asked of any target.
    request.responseFormat = schema ? { type: 'json_schema', name: 'response', schema, strict: true } : { type: 'json_object' };
  }
  return request;
}


/** A function's arguments schema: `parametersJsonSchema` is JSON Schema already, `parameters` is Gemini's own. */
function declarationParameters(declaration: Json): Json {
  const jsonSchema = field(declaration, 'parametersJsonSchema');
  if (isObject(jsonSchema)) return jsonSchema;
  return isObject(declaration.parameters) ? jsonSchemaFromGemini(declaration.parameters) : { type: 'object', properties: {} };
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
