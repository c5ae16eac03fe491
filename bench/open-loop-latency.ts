import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'undici';
import { callOnce, type Scenario } from './http-target.js';

export interface OpenLoopSamples {
  /** Milliseconds from when each call was due to its last response byte. */
  latencies: number[];
  /** Milliseconds each call left after it was due: the generator's own timing error, for the record. */
  sendLateness: number[];
}

/**
 * Open loop at a fixed rate: call i is due at start + i/rate whatever happened before, and its latency
 * counts from when it was due, so a slow answer cannot hide itself by delaying later calls (coordinated
 * omission). `client` should be warm: a connection opened mid-run would be measured as latency.
 */
export async function runAtFixedRate(client: Pool, scenario: Scenario, rate: number, seconds: number): Promise<OpenLoopSamples> {
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  const samples: OpenLoopSamples = { latencies: [], sendLateness: [] };
  const inFlight: Promise<void>[] = [];
  let failure: unknown;
  const start = performance.now() + 5;
  for (let index = 0; index < total && failure === undefined; index++) {
    const due = start + index * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    samples.sendLateness.push(performance.now() - due);
    inFlight.push(
      callOnce(client, scenario).then(
        () => void samples.latencies.push(performance.now() - due),
        // Kept, not thrown here: the schedule stops and the first failure is reported once the rest settle.
        (error: unknown) => void (failure ??= error),
      ),
    );
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  return samples;
}
