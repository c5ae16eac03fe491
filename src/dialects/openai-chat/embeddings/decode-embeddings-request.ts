import { GatewayError } from '../../../errors/gateway-error.js';
import type { IrEmbeddingsInput, IrEmbeddingsRequest } from '../../../ir/embeddings-types.js';

/** OpenAI's own limit on inputs in one request. */
const maximumInputs = 2048;

/**
 * `POST /v1/embeddings` as the core model: `input` is a string, a list of strings, a list of token ids,
 * or a list of such lists; `dimensions`, `encoding_format` (float by default) and `user` are read, and
 * anything else stays in the body for a pass-through upstream. 400 naming the field.
 */
export function decodeOpenAiEmbeddingsRequest(body: unknown): IrEmbeddingsRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  }
  const fields = body as Record<string, unknown>;
  const { model, dimensions, encoding_format: encodingFormat, user } = fields;
  if (model === undefined || model === null) throw invalid('model', `Missing required field 'model'.`);
  if (typeof model !== 'string' || model.length === 0) throw invalid('model', `Invalid field 'model': must be a non-empty string.`);
  if (dimensions !== undefined && dimensions !== null && !(Number.isInteger(dimensions) && (dimensions as number) > 0)) {
    throw invalid('dimensions', `Invalid field 'dimensions': must be a positive integer.`);
  }
  if (encodingFormat !== undefined && encodingFormat !== null && encodingFormat !== 'float' && encodingFormat !== 'base64') {
    throw invalid('encoding_format', `Invalid field 'encoding_format': must be 'float' or 'base64'.`);
  }
  if (user !== undefined && user !== null && typeof user !== 'string') throw invalid('user', `Invalid field 'user': must be a string.`);
  return {
    model,
    inputs: inputsOf(fields.input),
    dimensions: typeof dimensions === 'number' ? dimensions : undefined,
    encodingFormat: encodingFormat === 'base64' ? 'base64' : 'float',
    single: false,
    taskType: undefined,
    title: undefined,
    user: typeof user === 'string' ? user : undefined,
    untranslatable: undefined,
    warnings: [],
  };
}

function inputsOf(input: unknown): IrEmbeddingsInput[] {
  if (input === undefined || input === null) throw invalid('input', `Missing required field 'input'.`);
  if (typeof input === 'string') return [textInput(input, 'input')];
  if (!Array.isArray(input) || input.length === 0) {
    throw invalid('input', `Invalid field 'input': must be a non-empty string, array of strings, array of token ids or array of token arrays.`);
  }
  if (input.length > maximumInputs) throw invalid('input', `Invalid field 'input': at most ${maximumInputs} inputs per request.`);
  // A flat list of numbers is one tokenized input, not many.
  if (typeof input[0] === 'number') return [tokensInput(input, 'input')];
  return input.map((item: unknown, index) => {
    const param = `input.${index}`;
    if (typeof item === 'string') return textInput(item, param);
    if (Array.isArray(item)) return tokensInput(item, param);
    throw invalid(param, `Invalid field '${param}': must be a string or an array of token ids.`);
  });
}

function textInput(text: string, param: string): IrEmbeddingsInput {
  if (text.length === 0) throw invalid(param, `Invalid field '${param}': must not be empty.`);
  return { type: 'text', text };
}

function tokensInput(tokens: readonly unknown[], param: string): IrEmbeddingsInput {
  if (tokens.length === 0) throw invalid(param, `Invalid field '${param}': must not be empty.`);
  for (const token of tokens) {
    if (!Number.isInteger(token) || (token as number) < 0) throw invalid(param, `Invalid field '${param}': token ids must be non-negative integers.`);
  }
  return { type: 'tokens', tokens: tokens as number[] };
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}
