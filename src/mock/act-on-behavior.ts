import type { ServerResponse } from 'node:http';
import type { MockBehavior } from './mock-behavior.js';
import { pause } from './pause.js';

/** Sends a provider-shaped error answer (with extra headers such as `retry-after`). */
export type SendFailure = (status: number, message: string, extraHeaders?: Record<string, string>) => void;

/**
 * What every answer of the fake upstream does first with its behavior: `hang` (the response stays open; the
 * server's close listener records the client going away), `delayMs`, and `status` (an error in the wire's
 * shape, with `retry-after`). True when that already ended the answer.
 */
export async function answeredByBehavior(behavior: MockBehavior, response: ServerResponse, fail: SendFailure): Promise<boolean> {
  if (behavior.hang) return true;
  if (behavior.delayMs) await pause(behavior.delayMs, response);
  if (response.closed) return true;
  if (behavior.status !== undefined && behavior.status >= 400) {
    const retryAfter: Record<string, string> = behavior.retryAfter === undefined ? {} : { 'retry-after': String(behavior.retryAfter) };
    fail(behavior.status, behavior.errorMessage ?? `mock error ${behavior.status}`, retryAfter);
    return true;
  }
  return false;
}
