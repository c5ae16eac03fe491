/**
 * OpenAI's `encoding_format: base64`: the vector's float32 values as little-endian bytes, in base64. The
 * official SDKs ask for it by default (a third of the bytes of JSON numbers) and decode it themselves.
 */
export function encodeVectorBase64(values: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(values.length * 4);
  for (let index = 0; index < values.length; index++) bytes.writeFloatLE(values[index]!, index * 4);
  return bytes.toString('base64');
}

/** The float32 values of a base64 vector; undefined when its length is not a whole number of floats. */
export function decodeVectorBase64(text: string): number[] | undefined {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) return undefined;
  const values = new Array<number>(bytes.length / 4);
  for (let index = 0; index < values.length; index++) values[index] = bytes.readFloatLE(index * 4);
  return values;
}
