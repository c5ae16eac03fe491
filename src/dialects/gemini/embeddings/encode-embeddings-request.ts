import { GatewayError } from '../../../errors/gateway-error.js';
import type { IrEmbeddingsRequest } from '../../../ir/embeddings-types.js';
import type { EmbeddingsTarget, EncodedEmbeddingsRequest } from '../../embeddings-codec.js';
import { refuseUntranslatableEmbeddings } from '../../refuse-untranslatable-embeddings.js';

/**
 * A core embeddings request as Gemini's native body: one input goes to `:embedContent`, several to
 * `:batchEmbedContents` (each request naming the model, as Gemini requires). `dimensions` becomes
 * `outputDimensionality`. Token ids have no place in Gemini's API: 400 before any upstream call.
 */
export function encodeGeminiEmbeddingsRequest(request: IrEmbeddingsRequest, target: EmbeddingsTarget): EncodedEmbeddingsRequest {
  refuseUntranslatableEmbeddings(request, 'Gemini');
  const model = `models/${target.upstreamModel}`;
  const requests = request.inputs.map((input, index) => {
    if (input.type === 'tokens') {
      const param = request.inputs.length === 1 ? 'input' : `input.${index}`;
      throw new GatewayError('unsupported_translation', `'${param}' holds token ids, which Gemini cannot embed: send text.`, { param });
    }
    const entry: Record<string, unknown> = { model, content: { parts: [{ text: input.text }] } };
    if (request.taskType !== undefined) entry.taskType = request.taskType;
    if (request.title !== undefined) entry.title = request.title;
    if (request.dimensions !== undefined) entry.outputDimensionality = request.dimensions;
    return entry;
  });
  if (requests.length === 1) return { body: requests[0]!, batch: false, warnings: [] };
  return { body: { requests }, batch: true, warnings: [] };
}
