import type { EmbeddingsTarget, EncodedEmbeddingsRequest } from '../../embeddings-codec.js';
import { refuseUntranslatableEmbeddings } from '../../refuse-untranslatable-embeddings.js';
import type { IrEmbeddingsRequest } from '../../../ir/embeddings-types.js';

/**
 * A core embeddings request as an OpenAI-shaped body (OpenAI, Mistral, any OpenAI-compatible server). Asks
 * for floats: every server of the family writes them, base64 is not universal. Gemini's task type and
 * title have no place here and are dropped with a warning.
 */
export function encodeOpenAiEmbeddingsRequest(request: IrEmbeddingsRequest, target: EmbeddingsTarget): EncodedEmbeddingsRequest {
  refuseUntranslatableEmbeddings(request, 'an OpenAI-shaped API');
  const warnings: string[] = [];
  if (request.taskType !== undefined) warnings.push('taskType was dropped: the target has no task types');
  if (request.title !== undefined) warnings.push('title was dropped: the target has no document titles');
  const inputs = request.inputs.map((input) => (input.type === 'text' ? input.text : input.tokens));
  const body: Record<string, unknown> = { model: target.upstreamModel, input: inputs, encoding_format: 'float' };
  if (request.dimensions !== undefined) body[target.endpoint.dimensionsField ?? 'dimensions'] = request.dimensions;
  if (request.user !== undefined) body.user = request.user;
  return { body, batch: inputs.length > 1, warnings };
}
