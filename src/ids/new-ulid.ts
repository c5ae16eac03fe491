import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/**
 * ULIDs for request ids and record ids. The library's default draws one random byte per character with a
 * separate `getRandomValues` call (16 per id), which showed as the top cost of a proxied request; this
 * draws from a pooled buffer refilled by the CSPRNG. Monotonic, so ids made in one millisecond still sort.
 */
const randomPool = new Uint8Array(8192);
let poolOffset = randomPool.length;

function pooledRandom(): number {
  if (poolOffset >= randomPool.length) {
    randomFillSync(randomPool);
    poolOffset = 0;
  }
  return (randomPool[poolOffset++] ?? 0) / 256;
}

export const newUlid = monotonicFactory(pooledRandom);
