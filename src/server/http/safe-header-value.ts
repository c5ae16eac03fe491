/** Header values Sluice writes are printable ASCII; anything else is percent-encoded as UTF-8. */
const unsafeCharacter = /[^\x20-\x7e]/u;
const unsafeCharacters = /[^\x20-\x7e]/gu;

/** Long enough for any real model name or warning list; a caller cannot make Sluice send a huge header. */
const maximumLength = 1024;

/**
 * Makes a value safe to write as an HTTP header. Values that echo caller input (a model name, a warning
 * naming a field) can hold characters Node refuses in a header (`ERR_INVALID_CHAR`: control characters,
 * anything past Latin-1, U+2028) or that clients would misread (Latin-1 bytes): those are percent-encoded,
 * so the value stays readable and reversible. The common case is one regex test and no copy.
 */
export function safeHeaderValue(value: string): string {
  const bounded = value.length > maximumLength ? value.slice(0, maximumLength) : value;
  if (!unsafeCharacter.test(bounded)) return bounded;
  return bounded.replace(unsafeCharacters, percentEncode);
}

function percentEncode(character: string): string {
  // Buffer.from turns a lone surrogate into U+FFFD instead of throwing like encodeURIComponent.
  let encoded = '';
  for (const byte of Buffer.from(character, 'utf8')) encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return encoded;
}
