import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';

/**
 * Raised when the caller goes away before its answer is complete; aborts the upstream call. An
 * EventEmitter rather than an AbortController: undici takes either as a request's `signal`, and an
 * AbortController with its AbortSignal costs several microseconds on every request.
 */
export class ClientAbort extends EventEmitter<{ abort: [] }> {
  #aborted = false;
  #reason: Error | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): Error | undefined {
    return this.#reason;
  }

  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = new Error('The client closed the request.');
    this.emit('abort');
  }
}

/** A `ClientAbort` raised when `response` closes before it has been written out. */
export function abortWhenClientLeaves(response: ServerResponse): ClientAbort {
  const abort = new ClientAbort();
  response.once('close', () => {
    if (!response.writableFinished) abort.abort();
  });
  return abort;
}

/** Waits until the client has room again; rejects if it goes away first. */
export async function waitForDrain(response: ServerResponse, abort: ClientAbort): Promise<void> {
  if (abort.aborted) throw abort.reason;
  await new Promise<void>((resolve, reject) => {
    const onDrain = () => {
      abort.off('abort', onAbort);
      resolve();
    };
    const onAbort = () => {
      response.off('drain', onDrain);
      reject(abort.reason);
    };
    response.once('drain', onDrain);
    abort.once('abort', onAbort);
  });
}
