import { describe, expect, it } from 'vitest';
import { generateGatewayKey } from '../../src/keys/gateway-key.js';
import type { KeyRecord } from '../../src/domain/key-record.js';
import { authenticate } from '../../src/policy/authenticate.js';
import type { KeyView } from '../../src/policy/key-view.js';

/** A view holding one key, counting the reloads a miss asks for (each one a store query in the real view). */
function viewOf(hash: string) {
  const key = { hash, revokedAt: null } as KeyRecord;
  const view = {
    reloads: 0,
    find: (candidate: string) => (candidate === hash ? key : undefined),
    findAfterReload: async (candidate: string) => {
      view.reloads++;
      return candidate === hash ? key : undefined;
    },
  };
  return { key, view, keyView: view as unknown as KeyView };
}

describe('authenticate', () => {
  it('finds a known key from the view without a reload', async () => {
    const { token, hash } = generateGatewayKey();
    const { key, view, keyView } = viewOf(hash);
    await expect(authenticate({ authorization: `Bearer ${token}` }, keyView)).resolves.toEqual({ key, callerProviderKey: undefined });
    expect(view.reloads).toBe(0);
  });

  it('refuses a typo through the checksum, without the reload an unknown key would cost', async () => {
    const { token, hash } = generateGatewayKey();
    const { view, keyView } = viewOf(hash);
    const typo = token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a');
    await expect(authenticate({ 'x-api-key': typo }, keyView)).rejects.toMatchObject({ code: 'invalid_api_key' });
    expect(view.reloads).toBe(0);
  });

  it('looks again in the store for a well-formed key it does not know', async () => {
    const { view, keyView } = viewOf(generateGatewayKey().hash);
    await expect(authenticate({ 'x-api-key': generateGatewayKey().token }, keyView)).rejects.toMatchObject({ code: 'invalid_api_key' });
    expect(view.reloads).toBe(1);
  });

  it('refuses a token of the wrong shape before hashing it', async () => {
    const { view, keyView } = viewOf(generateGatewayKey().hash);
    await expect(authenticate({ 'x-api-key': 'sk-sluice-short' }, keyView)).rejects.toMatchObject({ code: 'invalid_api_key' });
    expect(view.reloads).toBe(0);
  });
});
