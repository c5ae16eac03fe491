import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toRoman } from './roman.mjs';

test('additive numerals', () => {
  assert.equal(toRoman(1), 'I');
  assert.equal(toRoman(8), 'VIII');
  assert.equal(toRoman(2023), 'MMXXIII');
});

test('subtractive numerals', () => {
  assert.equal(toRoman(4), 'IV');
  assert.equal(toRoman(90), 'XC');
  assert.equal(toRoman(1994), 'MCMXCIV');
});

test('out of range', () => {
  assert.throws(() => toRoman(0), RangeError);
  assert.throws(() => toRoman(4000), RangeError);
  assert.throws(() => toRoman(2.5), RangeError);
});
