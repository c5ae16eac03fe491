import { createHash } from 'node:crypto';

/** The length of a mock vector when the request names none: short, so tests and logs stay readable. */
export const defaultMockDimensions = 16;

/**
 * A deterministic unit vector for a text (or a token list written as text): the same input and length
 * give the same vector on every run, different inputs different ones. Values are float32, so a vector
 * written as base64 float32 bytes decodes to exactly the numbers written as JSON.
 */
export function mockEmbeddingVector(input: string, dimensions: number): number[] {
  const values = new Array<number>(dimensions);
  let block = Buffer.alloc(0);
  for (let index = 0; index < dimensions; index++) {
    const offset = (index * 4) % 32;
    if (offset === 0) block = createHash('sha256').update(`${index}:${input}`).digest();
    values[index] = block.readUInt32LE(offset) / 0xffffffff - 0.5;
  }
  const length = Math.hypot(...values) || 1;
  return values.map((value) => Math.fround(value / length));
}
