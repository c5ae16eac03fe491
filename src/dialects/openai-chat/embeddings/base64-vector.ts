/**
 * OpenAI's `encoding_format: base64`: the vector's float32 values as little-endian bytes, in base64. The
 * official SDKs ask for it by default (a third of the bytes of JSON numbers) and decode it themselves.
 */
export function encodeVectorBase64(values: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(values.length * 4);
  for (let index = 0; index < values.length; index++) bytes.writeFloatLE(values[index]!, index * 4);
  return bytes.toString('base64');
}

/** Node decodes base64 leniently (skipping what is not base64): an answer is checked before it is trusted. */
const base64Text = /^[A-Za-z0-9+/]+={0,2}$/;

/** The float32 values of a base64 vector; undefined when it is not base64 of a whole, non-zero number of floats. */
export function decodeVectorBase64(text: string): number[] | undefined {
  if (!base64Text.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) return undefined;
  const values = new Array<number>(bytes.length / 4);
  for (let index = 0; index < values.length; index++) values[index] = bytes.readFloatLE(index * 4);
  return values;
}
