/** The Roman numeral for 1 to 3999. */
export function toRoman(n) {
  throw new Error(`toRoman(${n}): not implemented`);
}
