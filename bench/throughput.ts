import type { Pool } from 'undici';
import { callOnce, type Scenario } from './http-target.js';

export interface ThroughputRound {
  completed: number;
  seconds: number;
}

/** Closed loop: `concurrency` callers send back to back for `seconds` over `client` (as many connections). */
export async function measureThroughput(client: Pool, scenario: Scenario, concurrency: number, seconds: number): Promise<ThroughputRound> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let completed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await callOnce(client, scenario);
        completed++;
      }
    }),
  );
  return { completed, seconds: (performance.now() - started) / 1000 };
}
