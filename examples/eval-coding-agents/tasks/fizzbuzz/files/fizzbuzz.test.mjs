import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fizzbuzz } from './fizzbuzz.mjs';

test('numbers, Fizz and Buzz', () => {
  assert.deepEqual(fizzbuzz(5), ['1', '2', 'Fizz', '4', 'Buzz']);
});

test('FizzBuzz on multiples of 15', () => {
  assert.equal(fizzbuzz(15)[14], 'FizzBuzz');
  assert.equal(fizzbuzz(30)[29], 'FizzBuzz');
});

test('nothing for 0', () => {
  assert.deepEqual(fizzbuzz(0), []);
});
