import { describe, expect, it } from 'vitest';
import {
  GATEWAY_KEY_PREFIX,
  generateGatewayKey,
  hashesEqual,
  hashGatewayKey,
  isWellFormedGatewayKey,
} from '../../src/keys/gateway-key.js';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('gateway keys', () => {
  it('have the documented format: prefix, 43 base62 characters of 32 random bytes, 6-character checksum', () => {
    for (let index = 0; index < 2_000; index++) {
      const { token, hash, hint } = generateGatewayKey();
      expect(token).toMatch(/^sk-sluice-[0-9A-Za-z]{49}$/);
      expect(isWellFormedGatewayKey(token)).toBe(true);
      expect(hash).toBe(hashGatewayKey(token));
      expect(hint).toBe(`${GATEWAY_KEY_PREFIX}…${token.slice(-4)}`);
    }
  });

  it('are unique', () => {
    const tokens = new Set(Array.from({ length: 5_000 }, () => generateGatewayKey().token));
    expect(tokens.size).toBe(5_000);
  });

  it('reject every single-character typo through the checksum', () => {
    const { token } = generateGatewayKey();
    for (let position = GATEWAY_KEY_PREFIX.length; position < token.length; position++) {
      for (const replacement of alphabet) {
        if (replacement === token[position]) continue;
        const typo = token.slice(0, position) + replacement + token.slice(position + 1);
        expect(isWellFormedGatewayKey(typo), typo).toBe(false);
      }
    }
    expect(isWellFormedGatewayKey(token.slice(0, -1))).toBe(false);
    expect(isWellFormedGatewayKey(`${token}0`)).toBe(false);
    expect(isWellFormedGatewayKey(token.replace('sk-sluice-', 'sk-sluicy-'))).toBe(false);
  });

  it('hash to a stable SHA-256 and compare in constant time', () => {
    expect(hashGatewayKey('sk-sluice-example')).toBe(hashGatewayKey('sk-sluice-example'));
    expect(hashGatewayKey('sk-sluice-example')).toMatch(/^[0-9a-f]{64}$/);
    const hash = hashGatewayKey('a');
    expect(hashesEqual(hash, hash)).toBe(true);
    expect(hashesEqual(hash, hashGatewayKey('b'))).toBe(false);
    expect(hashesEqual(hash, hash.slice(1))).toBe(false);
  });
});
