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

  /** `reason` is what undici fails the call with (an attempt's clock that ran out); by default, the caller left. */
  abort(reason?: Error): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason ?? new Error('The client closed the request.');
    this.emit('abort');
  }
}

/**
 * A `ClientAbort` raised when `response` closes before it has been written out. A caller can leave before
 * the handler starts (while the body was read, between parsing and routing): its 'close' has then already
 * fired, so the abort is raised at once instead of waiting for an event that will not come again.
 */
export function abortWhenClientLeaves(response: ServerResponse): ClientAbort {
  const abort = new ClientAbort();
  if (hasClosed(response)) {
    abort.abort();
    return abort;
  }
  response.once('close', () => {
    if (!response.writableFinished) abort.abort();
  });
  return abort;
}

function hasClosed(response: ServerResponse): boolean {
  const socket = response.socket;
  return response.destroyed || socket === null || socket.destroyed;
}

/** Waits until the client has room again; rejects if it goes away first. */
export async function waitForDrain(response: ServerResponse, abort: ClientAbort): Promise<void> {
  if (hasClosed(response)) abort.abort();
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
