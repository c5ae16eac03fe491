import { authenticate, type Caller } from '../../../policy/authenticate.js';
import type { ModelCall } from '../model-call.js';
import { requesterOf, tagsOf } from '../request-attribution.js';

/** Stage 1 — who is calling: the gateway key from the in-memory view. 401 when missing, unknown or revoked. */
export async function authenticateCaller(call: ModelCall): Promise<Caller> {
  call.tags = tagsOf(call.request.headers);
  call.requester = requesterOf(call.request.headers, undefined);
  const caller = await authenticate(call.request.headers, call.services.keyView);
  call.caller = caller;
  return caller;
}
