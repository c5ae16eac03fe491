import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import baseX from 'base-x';

export const GATEWAY_KEY_PREFIX = 'sk-sluice-';

const base62 = baseX('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
/** 32 random bytes need at most 43 base62 digits; fixed width keeps every key the same length. */
const bodyLength = 43;
const checksumLength = 6;
const keyPattern = new RegExp(`^${GATEWAY_KEY_PREFIX}[0-9A-Za-z]{${bodyLength + checksumLength}}$`);

function checksumOf(body: string): string {
  const sum = crc32(body);
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(sum >>> 0);
  return base62.encode(bytes).padStart(checksumLength, '0');
}

/**
 * A new gateway key. The token is shown once; only its SHA-256 hash is stored. The checksum lets a typo be
 * rejected without any lookup, and lets secret scanners recognise Sluice keys.
 */
export function generateGatewayKey(): { token: string; hash: string; hint: string } {
  let body = '';
  // base-x spells each leading zero byte as an extra '0'; redraw the rare key that would not fit the width.
  while (body.length === 0 || body.length > bodyLength) body = base62.encode(randomBytes(32)).padStart(bodyLength, '0');
  const token = `${GATEWAY_KEY_PREFIX}${body}${checksumOf(body)}`;
  return { token, hash: hashGatewayKey(token), hint: `${GATEWAY_KEY_PREFIX}…${token.slice(-4)}` };
}

export function isWellFormedGatewayKey(token: string): boolean {
  return hasGatewayKeyShape(token) && hasValidChecksum(token);
}

/** The prefix, length and alphabet of a gateway key: a cheap first filter, before any hashing. */
export function hasGatewayKeyShape(token: string): boolean {
  return keyPattern.test(token);
}

/** Whether the checksum matches the body, for a token already of the right shape. */
export function hasValidChecksum(token: string): boolean {
  const body = token.slice(GATEWAY_KEY_PREFIX.length, GATEWAY_KEY_PREFIX.length + bodyLength);
  return token.slice(-checksumLength) === checksumOf(body);
}

export function hashGatewayKey(token: string): string {
  // One-shot hash: no Hash object per request.
  return hash('sha256', token, 'hex');
}

/** Constant-time comparison of two hex hashes (unequal lengths answer false without a timing leak of content). */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
