import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors/gateway-error.js';
import { roleGrants, type OperatorCapability } from '../keys/key-role.js';
import type { KeyRecord } from '../store/store.js';
import { authenticate } from './authenticate.js';
import type { KeyView } from './key-view.js';

const capabilityNames: Record<OperatorCapability, string> = {
  admin: 'an admin key',
  analytics: 'an admin or analytics key',
  metrics: 'an admin or metrics key',
};

/**
 * The key behind a request to an operator endpoint (`/admin/*`, `/analytics/*`, `/metrics`), refused unless
 * its role grants the capability: no key 401, a key without the role 403.
 */
export async function authenticateOperator(request: { headers: IncomingHttpHeaders }, services: { keyView: KeyView }, capability: OperatorCapability): Promise<KeyRecord> {
  const { key } = await authenticate(request.headers, services.keyView);
  if (!roleGrants(key.role, capability)) throw new GatewayError('permission_denied', `This endpoint needs ${capabilityNames[capability]}.`);
  return key;
}
