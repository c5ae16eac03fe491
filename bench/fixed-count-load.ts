import type { Pool } from 'undici';
import { callOnce, type Scenario } from './http-target.js';

/**
 * Closed loop until `count` calls have been answered, `concurrency` at a time over `client`; `onProgress`
 * is called after every `progressEvery` answers (e.g. to read the server's memory along the way).
 */
export async function sendCalls(
  client: Pool,
  scenario: Scenario,
  count: number,
  concurrency: number,
  progress?: { every: number; onProgress(answered: number): void },
): Promise<void> {
  let started = 0;
  let answered = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (started < count) {
        started++;
        await callOnce(client, scenario);
        answered++;
        if (progress && answered % progress.every === 0) progress.onProgress(answered);
      }
    }),
  );
}
