import { GatewayError } from '../../errors/gateway-error.js';
import type { Caller } from '../../policy/authenticate.js';
import type { ProviderEntry } from '../../domain/provider-entry.js';
import type { GatewayServices } from '../gateway-services.js';

/**
 * The key a call to `provider` goes with: the caller's own in pass-through mode, else config, environment
 * or the encrypted store. 503 when the provider needs one and has none.
 */
export function credentialFor(caller: Caller, services: GatewayServices, provider: ProviderEntry): string | undefined {
  const credential = caller.callerProviderKey ?? services.credentials.keyFor(provider);
  if (credential === undefined && provider.requiresKey) {
    const environmentHint = provider.envKeyName ? `set ${provider.envKeyName}, ` : '';
    throw new GatewayError(
      'provider_not_configured',
      `The provider '${provider.name}' has no API key: ${environmentHint}run \`sluice providers set-key ${provider.name}\`, ` +
        `or send your own key with x-sluice-token.`,
    );
  }
  return credential;
}
