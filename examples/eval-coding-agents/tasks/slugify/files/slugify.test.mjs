import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slugify } from './slugify.mjs';

test('lower case, punctuation and spaces become one dash', () => {
  assert.equal(slugify('Hello, World!'), 'hello-world');
  assert.equal(slugify('Sluice -- a   gateway'), 'sluice-a-gateway');
});

test('no dash at either end', () => {
  assert.equal(slugify('  ...Trim me...  '), 'trim-me');
});

test('accents are removed, digits kept', () => {
  assert.equal(slugify('Déjà vu 2'), 'deja-vu-2');
});
