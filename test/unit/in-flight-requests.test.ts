import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InFlightRequests } from '../../src/server/in-flight-requests.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Resolves to whether `promise` has settled by now. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe('InFlightRequests', () => {
  it('holds an exchange until its response closes and its handler settles, whichever is last', async () => {
    const inFlight = new InFlightRequests();
    const response = new EventEmitter() as unknown as ServerResponse;
    inFlight.trackResponse(response);
    const releaseHandler = inFlight.hold();
    expect([...inFlight.openResponses()]).toEqual([response]);
    const idle = inFlight.whenIdle(new AbortController().signal);

    response.emit('close');
    expect(inFlight.count).toBe(1);
    expect([...inFlight.openResponses()]).toEqual([]);
    expect(await settled(idle)).toBe(false);

    releaseHandler();
    releaseHandler();
    expect(inFlight.count).toBe(0);
    expect(await settled(idle)).toBe(true);
  });

  it('is quiet only after nothing was held for the whole period, restarting when work comes and goes', async () => {
    const inFlight = new InFlightRequests();
    const quiet = inFlight.whenQuietFor(1_000, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(900);
    const release = inFlight.hold();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await settled(quiet)).toBe(false);

    release();
    await vi.advanceTimersByTimeAsync(999);
    expect(await settled(quiet)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(quiet)).toBe(true);
  });

  it('stops waiting (and leaves no timer behind) when the stop is over', async () => {
    const inFlight = new InFlightRequests();
    const finished = new AbortController();
    const quiet = inFlight.whenQuietFor(60_000, finished.signal);
    finished.abort();
    expect(await settled(quiet)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
