import type { Verifier } from './verifier.js';

/**
 * `regex:<re>`: 1 when the answer's text matches, else 0. `<re>` is a JavaScript regular expression, written
 * bare (`regex:^yes\b`) or as a literal with flags (`regex:/^yes/i`).
 */
export function regexVerifier(source: string): Verifier {
  const literal = /^\/(.*)\/([dgimsuvy]*)$/s.exec(source);
  let pattern: RegExp;
  try {
    pattern = literal ? new RegExp(literal[1]!, literal[2]!.replace(/[gy]/g, '')) : new RegExp(source);
  } catch (error) {
    throw new Error(`--verify regex:${source}: ${(error as Error).message}`);
  }
  return {
    name: `regex:${source}`,
    score: (_request, answer) => (answer.error === undefined && pattern.test(answer.text) ? 1 : 0),
  };
}
