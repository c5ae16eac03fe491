import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { postgresArrayLiteral } from '../../src/store/postgres/postgres-array-literal.js';

/** node-postgres' own spelling of an array parameter, which the literal must match. */
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils') as { prepareValue: (value: unknown) => unknown };

describe('postgresArrayLiteral', () => {
  it('spells an array exactly as node-postgres does', () => {
    const columns: unknown[][] = [
      ['plain', null, undefined, '', 'with "quotes"', 'back\\slash', '\\"both\\"', '{braces},commas', 'NULL', 'ünïcödé ✓', ' spaced '],
      [0, 1, -2, 1.5, 1e-7, 0.000123456789, 1_765_000_000_123, Number.NaN, Number.POSITIVE_INFINITY, null],
      [true, false, null],
      ['[]', '["prod","batch"]', '{"request":0,"input":3}', `["[\\"key\\",null,0]",1,0]`],
      [],
    ];
    for (const values of columns) expect(postgresArrayLiteral(values)).toBe(prepareValue(values));
  });

  it('refuses an element it cannot spell as node-postgres would', () => {
    expect(() => postgresArrayLiteral([{ nested: true }])).toThrow(TypeError);
  });
});
