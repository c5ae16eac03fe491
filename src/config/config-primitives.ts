import { z } from 'zod';

/** The pieces every part of the config schema is built from: sizes, operator-named records, names of kinds and shapes, clocks. */

/** Byte sizes may be written as numbers or as `512kb` / `20mb` strings. */
export const byteSize = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'expected a size such as 20mb, 512kb or a number of bytes')
    .transform(parseByteSize),
]);

function parseByteSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  const value = Number(match?.[1] ?? 0);
  const unit = (match?.[2] ?? 'b').toLowerCase();
  const multiplier = unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1;
  return Math.floor(value * multiplier);
}

/**
 * A record keyed by names the operator chooses (providers, aliases, prices). `__proto__` is refused by name:
 * zod would otherwise drop it without a word, and the names are matched against what callers send.
 */
export function namedRecord<Value extends z.ZodTypeAny>(value: Value) {
  return z.preprocess(refuseProtoName, z.record(value));
}

export function refuseProtoName(input: unknown, context: z.RefinementCtx): unknown {
  if (input !== null && typeof input === 'object' && Object.hasOwn(input, '__proto__')) {
    context.addIssue({ code: z.ZodIssueCode.custom, path: ['__proto__'], message: "'__proto__' cannot be used as a name" });
  }
  return input;
}

/** The API shapes (DialectName), for config fields that name them. */
export const dialectNames = ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini'] as const;

/**
 * `timeouts:` of `upstream`, a provider or a group target (see upstream/upstream-timeouts.ts): an unset
 * clock comes from the layer below (target → provider → upstream → built-in default).
 */
export const timeoutsSchema = z
  .object({
    /** Streams: from the request to the response headers. Default 30 s (`upstream.timeoutMs`). */
    firstByteMs: z.number().int().positive().optional(),
    /** Streams: the longest silence between two chunks once the answer has started. Default 60 s. */
    idleMs: z.number().int().positive().optional(),
    /** The whole call. Default: none for a stream (it lasts while bytes flow), 10 minutes for a whole answer. */
    totalMs: z.number().int().positive().optional(),
  })
  .strict();
