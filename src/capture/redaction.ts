import { GATEWAY_KEY_PREFIX } from '../keys/gateway-key.js';

/**
 * Redaction before storage: every match of a pattern is replaced by a typed placeholder,
 * `[REDACTED:<kind>]`, and counted by kind, so a reader of a capture knows what was taken out and never sees
 * it. Built-in patterns run first, most specific first (a Sluice key before any `sk-` key), then the
 * configured ones (`capture.redact`) in config order.
 */

/** One pattern: a global regular expression and the kind its placeholder names. */
export interface RedactionPattern {
  kind: string;
  pattern: RegExp;
  /** What replaces a match (default `[REDACTED:<kind>]`); a match it returns unchanged is not counted. */
  replace?: (match: string) => string;
  /** Does the whole job instead of `pattern` and `replace`, once `pattern` has found something; returns the text and how many it replaced. */
  redactAll?: (text: string) => { text: string; count: number };
}

/** Text after redaction and how many placeholders of each kind went in. */
export interface Redacted {
  text: string;
  counts: Record<string, number>;
}

export function placeholder(kind: string): string {
  return `[REDACTED:${kind}]`;
}

/** Escaped for a regular expression. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * The built-in patterns: Sluice's own keys, provider keys (Anthropic `sk-ant-…`, OpenAI `sk-…`, Google
 * `AIza…`, xAI `xai-…`), bearer tokens, e-mail addresses and card-like numbers that pass the Luhn check.
 */
export const builtInRedactions: readonly RedactionPattern[] = [
  { kind: 'sluice_key', pattern: new RegExp(`${literal(GATEWAY_KEY_PREFIX)}[0-9A-Za-z]{20,}`, 'g') },
  { kind: 'anthropic_key', pattern: /sk-ant-[A-Za-z0-9_-]{20,}/g },
  { kind: 'openai_key', pattern: /sk-[A-Za-z0-9_-]{20,}/g },
  { kind: 'google_key', pattern: /AIza[0-9A-Za-z_-]{35}/g },
  { kind: 'xai_key', pattern: /xai-[A-Za-z0-9_-]{20,}/g },
  // The scheme word stays, so a reader sees what the header or text held; only the token goes.
  { kind: 'bearer', pattern: /\b([Bb]earer)\s+[A-Za-z0-9._~+/=-]{8,}/g, replace: (match) => `${match.slice(0, 6)} ${placeholder('bearer')}` },
  // Found from each '@' outwards (see redactEmails): a pattern that starts with a character class is tried at
  // every position of the text, which cost ten times all the other patterns together on a long prompt.
  { kind: 'email', pattern: /@/g, redactAll: redactEmails },
  // 13 to 19 digits, the first 2–6 (card networks; epoch milliseconds start with 1), optionally grouped by
  // spaces or dashes. Only a number whose Luhn check passes is a card.
  { kind: 'card', pattern: /\b[2-6]\d(?:[ -]?\d){11,17}\b/g, replace: (match) => (passesLuhn(match.replace(/[ -]/g, '')) ? placeholder('card') : match) },
];

const localPartCharacter = /[A-Za-z0-9._%+-]/;
const emailDomain = /[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}/y;

/** Every e-mail address: from each '@', up to 64 local-part characters before it and a dotted domain after it. */
function redactEmails(text: string): { text: string; count: number } {
  let result = '';
  let copied = 0;
  let count = 0;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > copied && at - start < 64 && localPartCharacter.test(text[start - 1]!)) start--;
    if (start === at) continue;
    emailDomain.lastIndex = at + 1;
    if (!emailDomain.test(text)) continue;
    result += text.slice(copied, start) + placeholder('email');
    copied = emailDomain.lastIndex;
    at = copied - 1;
    count++;
  }
  return { text: count === 0 ? text : result + text.slice(copied), count };
}

/** The Luhn checksum of a string of digits (card numbers end with a digit that makes it a multiple of ten). */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index--) {
    let digit = digits.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return false;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Compiles configured redactions (`capture.redact`), validated by the config schema. */
export function configuredRedactions(configured: ReadonlyArray<{ name: string; pattern: string; ignoreCase?: boolean }>): RedactionPattern[] {
  return configured.map((entry) => ({ kind: entry.name, pattern: new RegExp(entry.pattern, entry.ignoreCase ? 'gi' : 'g') }));
}

/** A count per kind with no inherited keys, so any kind name is its own entry. */
export function emptyCounts(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}

/** Applies the built-in patterns, then `extra`, to text; counts accumulate into `counts` when given. */
export class Redactor {
  readonly #patterns: readonly RedactionPattern[];

  constructor(extra: readonly RedactionPattern[] = []) {
    this.#patterns = [...builtInRedactions, ...extra];
  }

  /** `counts` has no prototype (a configured kind may be called `constructor`): see `emptyCounts`. */
  redact(text: string, counts: Record<string, number> = emptyCounts()): Redacted {
    let result = text;
    for (const { kind, pattern, replace, redactAll } of this.#patterns) {
      pattern.lastIndex = 0;
      if (!pattern.test(result)) continue;
      pattern.lastIndex = 0;
      if (redactAll !== undefined) {
        const redacted = redactAll(result);
        result = redacted.text;
        if (redacted.count > 0) counts[kind] = (counts[kind] ?? 0) + redacted.count;
        continue;
      }
      const substitute = placeholder(kind);
      result = result.replace(pattern, (match: string) => {
        const replaced = replace === undefined ? substitute : replace(match);
        if (replaced !== match) counts[kind] = (counts[kind] ?? 0) + 1;
        return replaced;
      });
    }
    return { text: result, counts };
  }
}
