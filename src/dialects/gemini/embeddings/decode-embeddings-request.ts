import { GatewayError } from '../../../errors/gateway-error.js';
import type { IrEmbeddingsInput, IrEmbeddingsRequest } from '../../../ir/embeddings-types.js';
import type { RequestUrlFacts } from '../../wire-facts.js';
import { field } from '../decode-request.js';

type Json = Record<string, unknown>;

/** Gemini's own limit on requests in one `batchEmbedContents`. */
const maximumRequests = 100;

/**
 * `models/{model}:embedContent` (`{ content, taskType, title, outputDimensionality }`, `url.single`) or
 * `:batchEmbedContents` (`{ requests: [ those ] }`) as the core model; the model is the URL's. A content's
 * text parts make one input. 400 naming the field.
 */
export function decodeGeminiEmbeddingsRequest(body: unknown, url: RequestUrlFacts): IrEmbeddingsRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  }
  const single = url.single === true;
  let requests: Json[];
  let prefix: string;
  if (single) {
    requests = [body as Json];
    prefix = '';
  } else {
    const listed = field(body as Json, 'requests');
    if (!Array.isArray(listed) || listed.length === 0) throw invalid('requests', `Invalid field 'requests': must be a non-empty list.`);
    if (listed.length > maximumRequests) throw invalid('requests', `Invalid field 'requests': at most ${maximumRequests} requests per batch.`);
    requests = listed.map((item: unknown, index) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) throw invalid(`requests.${index}`, `Invalid field 'requests.${index}': expected an object.`);
      return item as Json;
    });
    prefix = 'requests.';
  }
  let untranslatable: IrEmbeddingsRequest['untranslatable'];
  const inputs = requests.map((request, index): IrEmbeddingsInput => {
    const at = single ? '' : `${prefix}${index}.`;
    const content = field(request, 'content');
    if (content === null || typeof content !== 'object' || Array.isArray(content)) throw invalid(`${at}content`, `Missing required field '${at}content'.`);
    const parts = field(content as Json, 'parts');
    if (!Array.isArray(parts) || parts.length === 0) throw invalid(`${at}content.parts`, `Invalid field '${at}content.parts': must be a non-empty list.`);
    let text = '';
    parts.forEach((part: unknown, partIndex) => {
      const partText = part !== null && typeof part === 'object' ? (part as Json).text : undefined;
      if (typeof partText === 'string') text += partText;
      else untranslatable ??= { param: `${at}content.parts.${partIndex}`, reason: 'only text parts can be embedded by another provider' };
    });
    return { type: 'text', text };
  });
  const first = requests[0]!;
  const dimensions = field(first, 'outputDimensionality');
  if (dimensions !== undefined && dimensions !== null && !(Number.isInteger(dimensions) && (dimensions as number) > 0)) {
    throw invalid(`${single ? '' : 'requests.0.'}outputDimensionality`, `Invalid field 'outputDimensionality': must be a positive integer.`);
  }
  const taskType = field(first, 'taskType');
  const title = field(first, 'title');
  return {
    model: url.model ?? '',
    inputs,
    dimensions: typeof dimensions === 'number' ? dimensions : undefined,
    encodingFormat: 'float',
    single,
    taskType: typeof taskType === 'string' ? taskType : undefined,
    title: typeof title === 'string' ? title : undefined,
    user: undefined,
    untranslatable,
    warnings: [],
  };
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}
