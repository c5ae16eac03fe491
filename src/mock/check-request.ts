import type { Wire } from './wire.js';

type Json = Record<string, unknown>;

export interface RequestProblem {
  status: number;
  message: string;
}

const thinkingDocs = 'https://docs.claude.com/en/docs/build-with-claude/extended-thinking';

/**
 * Settings the real APIs refuse with a 400 even though every required field is there, worded after them:
 * Claude's thinking budget rules and structured-output format, Gemini's response schema needing the JSON
 * mime type. A gateway that translates must send what the provider accepts; this is where a test sees it
 * did not.
 */
export function checkRequest(wire: Wire, body: Json): RequestProblem | undefined {
  if (wire === 'anthropic') return checkAnthropic(body);
  if (wire === 'gemini') return checkGemini(body);
  return undefined;
}

function checkAnthropic(body: Json): RequestProblem | undefined {
  const thinking = objectAt(body.thinking);
  if (thinking?.type === 'enabled') {
    const budget = thinking.budget_tokens;
    if (typeof budget !== 'number' || !Number.isInteger(budget)) return invalid('thinking.enabled.budget_tokens: Field required');
    if (budget < 1024) return invalid('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
    if (typeof body.max_tokens === 'number' && body.max_tokens <= budget) {
      return invalid(`\`max_tokens\` must be greater than \`thinking.budget_tokens\`. Please consult our documentation at ${thinkingDocs}#max-tokens-and-context-window-size`);
    }
    if (body.temperature !== undefined && body.temperature !== 1) {
      return invalid(`\`temperature\` may only be set to 1 when thinking is enabled. Please consult our documentation at ${thinkingDocs}#feature-compatibility`);
    }
    if (body.top_k !== undefined) return invalid(`\`top_k\` cannot be set when thinking is enabled. Please consult our documentation at ${thinkingDocs}#feature-compatibility`);
    const choice = objectAt(body.tool_choice)?.type;
    if (choice === 'any' || choice === 'tool') return invalid('Thinking may not be enabled when tool_choice forces tool use.');
  }
  const config = objectAt(body.output_config);
  const format = config?.format ?? body.output_format;
  if (format !== undefined) {
    const formatObject = objectAt(format);
    const where = config?.format !== undefined ? 'output_config.format' : 'output_format';
    if (formatObject?.type !== 'json_schema') return invalid(`${where}.type: Input should be 'json_schema'`);
    if (!objectAt(formatObject.schema)) return invalid(`${where}.json_schema.schema: Field required`);
  }
  return undefined;
}

function checkGemini(body: Json): RequestProblem | undefined {
  const generation = objectAt(body.generationConfig ?? body.generation_config);
  if (!generation) return undefined;
  const hasSchema = ['responseSchema', 'response_schema', 'responseJsonSchema', 'response_json_schema'].some((name) => generation[name] !== undefined);
  const mimeType = generation.responseMimeType ?? generation.response_mime_type;
  if (hasSchema && mimeType !== 'application/json') {
    return invalid('* GenerateContentRequest.generation_config.response_mime_type: must be application/json when a response schema is set\n');
  }
  const both = (generation.responseSchema ?? generation.response_schema) !== undefined && (generation.responseJsonSchema ?? generation.response_json_schema) !== undefined;
  if (both) return invalid('* GenerateContentRequest.generation_config: only one of response_schema and response_json_schema may be set\n');
  return undefined;
}

function invalid(message: string): RequestProblem {
  return { status: 400, message };
}

function objectAt(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}
