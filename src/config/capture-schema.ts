import { z } from 'zod';
import { byteSize } from './config-primitives.js';

/**
 * Governed content capture (issue 22 §2), off by default. `captureSettingsSchema` is what a model group's
 * `capture:` holds (and, in the store, a key's or team's): the share of calls kept and, over the defaults
 * of the top-level `capture:` block, how long and how much of each.
 */

/** The most a capture keeps of a request body or an answer, whatever a setting asks. */
export const maxCaptureBytes = 16 * 1024 * 1024;

export const captureSettingsSchema = z
  .object({
    /** The share of calls captured, 0 to 1 (0: only calls that ask with `x-sluice-capture: true`). */
    sample: z.number().min(0).max(1),
    /** Days a capture is kept (default: `capture.retainDays`). */
    retainDays: z.number().int().min(1).max(3650).optional(),
    /** The most of the request body and of the answer kept, each (default: `capture.maxBytes`). */
    maxBytes: byteSize.pipe(z.number().int().positive().max(maxCaptureBytes)).optional(),
  })
  .strict();

/** A placeholder kind: it is written into stored text as `[REDACTED:<name>]`. */
const redactionName = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/i, 'a name of letters, digits, _ and - (it becomes [REDACTED:<name>])');

/** One configured redaction: text matching `pattern` (a JavaScript regular expression) is replaced before storage. */
const redactionSchema = z
  .object({
    name: redactionName,
    pattern: z.string().min(1).superRefine((pattern, context) => {
      try {
        new RegExp(pattern, 'gu');
      } catch (error) {
        context.addIssue({ code: z.ZodIssueCode.custom, message: `not a valid regular expression: ${(error as Error).message}` });
        return;
      }
      if (new RegExp(pattern, 'u').test('')) context.addIssue({ code: z.ZodIssueCode.custom, message: 'the pattern matches empty text' });
    }),
    /** Match letters in any case. */
    ignoreCase: z.boolean().default(false),
  })
  .strict();

/** The top-level `capture:` block: defaults for every key, team and group that captures, and the redactions. */
export const captureConfigSchema = z
  .object({
    /** Days a capture is kept when its key, team or group does not say. */
    retainDays: z.number().int().min(1).max(3650).default(14),
    /** The most of a request body and of an answer kept, each, when its key, team or group does not say. */
    maxBytes: byteSize.pipe(z.number().int().positive().max(maxCaptureBytes)).default(262_144),
    /** Patterns replaced before storage, after the built-in ones (e-mail, keys, bearer tokens, card numbers). */
    redact: z.array(redactionSchema).default([]),
  })
  .strict()
  .default({});

export type CaptureConfig = z.infer<typeof captureConfigSchema>;
export type RedactionConfig = z.infer<typeof redactionSchema>;
