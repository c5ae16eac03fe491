import { authenticate, type Caller } from '../../../policy/authenticate.js';
import type { ModelCall } from '../model-call.js';
import { requesterOf, runLabelsOf, tagsOf } from '../request-attribution.js';

/**
 * Stage 1 — who is calling: the gateway key from the in-memory view. 401 when missing, unknown or revoked;
 * 400 naming the header when the run or trial label is malformed or steers a run key elsewhere.
 */
export async function authenticateCaller(call: ModelCall): Promise<Caller> {
  call.tags = tagsOf(call.request.headers);
  call.requester = requesterOf(call.request.headers, undefined);
  const caller = await authenticate(call.request.headers, call.services.keyView);
  call.caller = caller;
  const labels = runLabelsOf(call.request.headers, caller.key.run);
  call.runId = labels.runId;
  call.trialId = labels.trialId;
  return caller;
}
