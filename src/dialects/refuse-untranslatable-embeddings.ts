import { GatewayError } from '../errors/gateway-error.js';
import type { IrEmbeddingsRequest } from '../ir/embeddings-types.js';

/** 400 `unsupported_translation` for a request only its own shape can carry, before any upstream call. */
export function refuseUntranslatableEmbeddings(request: IrEmbeddingsRequest, targetShape: string): void {
  const problem = request.untranslatable;
  if (problem === undefined) return;
  throw new GatewayError('unsupported_translation', `'${problem.param}' cannot be sent to ${targetShape}: ${problem.reason}.`, { param: problem.param });
}
