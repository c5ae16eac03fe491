import type { ClientAbort } from './client-abort.js';

/** Waits `milliseconds` before a retry of the same target; rejects with the abort's reason when the caller leaves. */
export type RetryPause = (milliseconds: number, signal: ClientAbort) => Promise<void>;

/** The pause on a real timer; a caller that leaves ends the wait (and the call) at once. */
export const pauseUnlessAborted: RetryPause = (milliseconds, signal) => {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.off('abort', onAbort);
      resolve();
    }, milliseconds);
    signal.once('abort', onAbort);
  });
};
