import { authenticate } from '../../../policy/authenticate.js';
import type { ModelCall } from '../model-call.js';
import { requesterOf, tagsOf } from '../request-attribution.js';

/** Stage 1 — who is calling: the gateway key from the in-memory view. 401 when missing, unknown or revoked. */
export async function authenticateCaller(call: ModelCall): Promise<void> {
  call.tags = tagsOf(call.request.headers);
  call.requester = requesterOf(call.request.headers, undefined);
  call.caller = await authenticate(call.request.headers, call.services.keyView);
}
