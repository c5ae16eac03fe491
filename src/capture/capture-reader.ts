import type { CapturedExchange } from '../domain/captured-exchange.js';
import type { SecretBox } from '../keys/secret-box.js';
import type { CaptureStore } from '../store/store.js';
import { openCapture } from './seal-capture.js';

/** Reads one capture back and opens it: what `GET /admin/captures/{request id}` and `sluice capture show` answer with. */
export class CaptureReader {
  constructor(
    private readonly store: Pick<CaptureStore, 'findCapture'>,
    private readonly box: SecretBox,
  ) {}

  /** The capture of a request, opened; undefined when none was kept (or retention has deleted it). */
  async find(requestId: string): Promise<CapturedExchange | undefined> {
    const sealed = await this.store.findCapture(requestId);
    return sealed === undefined ? undefined : openCapture(this.box, sealed);
  }
}
