import type { Dispatcher } from 'undici';
import type { Attempt } from './attempt.js';
import type { ModelCall } from './model-call.js';

/*
 * What a relay is handed: shared by `relay-upstream-response.ts` and the answer writers it calls
 * (`send-whole-answer.ts`, `relay-embeddings-answer.ts`), which import it from here rather than from the
 * relay that imports them.
 */

/** One attempt's relay: the call it answers (read only: what the answer was is returned, not written), the attempt and the upstream's answer. */
export interface RelayOptions {
  readonly call: Readonly<ModelCall>;
  readonly attempt: Attempt;
  readonly upstream: Dispatcher.ResponseData;
}
