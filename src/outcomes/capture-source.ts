import type { CapturedExchange, CaptureFilter } from '../domain/captured-exchange.js';
import type { SecretBox } from '../keys/secret-box.js';
import type { CaptureStore, SealedCapture } from '../store/store.js';

/** Where a page of captures starts: after this one (oldest first by created_at, then request id). */
export interface CapturePage {
  after?: { createdAt: number; requestId: string };
  limit: number;
}

/** What a replay reads captures through: opened, oldest first, a page at a time. */
export interface CaptureSource {
  listCaptures(filter: CaptureFilter, page: CapturePage): Promise<CapturedExchange[]>;
}

/** Opens one sealed capture with the master key (the capture module's `openCapture`). */
export type OpenCapture = (box: SecretBox, sealed: SealedCapture) => CapturedExchange;

/** The store's captures, opened with the master key as they are read. */
export function captureSourceFromStore(store: Pick<CaptureStore, 'listCaptures'>, box: SecretBox, open: OpenCapture): CaptureSource {
  return {
    async listCaptures(filter, page) {
      const sealed = await store.listCaptures(filter, page);
      return sealed.map((capture) => open(box, capture));
    },
  };
}

