import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors/gateway-error.js';
import { GATEWAY_KEY_PREFIX, hasGatewayKeyShape, hashesEqual, hashGatewayKey, hasValidChecksum } from '../keys/gateway-key.js';
import type { KeyRecord } from '../domain/key-record.js';
import type { KeyView } from './key-view.js';

export interface Caller {
  key: KeyRecord;
  /**
   * Pass-through mode: the provider key the caller presented alongside `x-sluice-token`. Used for this one
   * request; never stored, logged or echoed.
   */
  callerProviderKey: string | undefined;
}

/** The credential a client presented: `x-api-key`, `Authorization: Bearer`, or Gemini's `x-goog-api-key`. */
export function presentedCredential(headers: IncomingHttpHeaders): string | undefined {
  const apiKey = headers['x-api-key'] ?? headers['x-goog-api-key'];
  if (typeof apiKey === 'string' && apiKey.length > 0) return apiKey.trim();
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && /^bearer\s+/i.test(authorization)) {
    const token = authorization.replace(/^bearer\s+/i, '').trim();
    if (token.length > 0) return token;
  }
  return undefined;
}

/**
 * Finds the gateway key of a request. With `x-sluice-token` the gateway key travels there and the usual
 * credential header carries the caller's own provider key.
 */
export async function authenticate(headers: IncomingHttpHeaders, keyView: KeyView): Promise<Caller> {
  const sluiceToken = headers['x-sluice-token'];
  const presented = presentedCredential(headers);
  const passThrough = typeof sluiceToken === 'string' && sluiceToken.length > 0;
  const gatewayToken = passThrough ? sluiceToken.trim() : presented;
  const callerProviderKey = passThrough && presented && !presented.startsWith(GATEWAY_KEY_PREFIX) ? presented : undefined;

  if (!gatewayToken) {
    throw new GatewayError(
      'missing_api_key',
      'Missing gateway API key. Send it as `x-api-key` or `Authorization: Bearer <key>`.',
    );
  }
  if (!hasGatewayKeyShape(gatewayToken)) {
    throw new GatewayError('invalid_api_key', 'Invalid gateway API key.');
  }
  const hash = hashGatewayKey(gatewayToken);
  let key = keyView.find(hash);
  if (key === undefined) {
    // Every stored key was well formed when issued, so the checksum only matters for a token the view does not
    // know: a typo is refused here, without the store query a reload makes.
    if (!hasValidChecksum(gatewayToken)) throw new GatewayError('invalid_api_key', 'Invalid gateway API key.');
    key = await keyView.findAfterReload(hash);
  }
  // The map lookup found a candidate by hash; the constant-time comparison is the actual check.
  if (!key || !hashesEqual(key.hash, hash)) throw new GatewayError('invalid_api_key', 'Invalid gateway API key.');
  if (key.revokedAt !== null) throw new GatewayError('revoked_api_key', 'This gateway API key has been revoked.');
  return { key, callerProviderKey };
}
