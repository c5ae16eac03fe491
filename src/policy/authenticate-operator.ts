import type { IncomingHttpHeaders } from 'node:http';
import type { DashboardSessions } from '../dashboard/dashboard-sessions.js';
import { fromAnotherOrigin } from '../dashboard/request-origin.js';
import { readSessionToken } from '../dashboard/session-cookie.js';
import { GatewayError } from '../errors/gateway-error.js';
import { roleGrants, type OperatorCapability } from '../domain/key-role.js';
import type { KeyRecord } from '../domain/key-record.js';
import { authenticate, presentedCredential } from './authenticate.js';
import type { KeyView } from './key-view.js';

const capabilityNames: Record<OperatorCapability, string> = {
  admin: 'an admin key',
  analytics: 'an admin or analytics key',
  metrics: 'an admin or metrics key',
};

/** Methods that only read: a cookie-authenticated request with any other method must carry the CSRF header. */
const readOnlyMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The header the dashboard's own script sends with every change; a plain form post from elsewhere cannot. */
export const csrfHeaderName = 'x-sluice-csrf';

export interface OperatorRequest {
  headers: IncomingHttpHeaders;
  method: string;
}

/**
 * The key behind a request to an operator endpoint (`/admin/*`, `/analytics/*`, `/metrics`), refused unless
 * its role grants the capability: no key 401, a key without the role 403.
 *
 * A credential header wins. Without one, the dashboard's session cookie names the key (its role decides as
 * it would for the header); a session that is unknown, expired or logged out is a 401. A cookie-authenticated
 * request that changes state must also carry `x-sluice-csrf: 1`: SameSite=Strict already keeps other sites
 * from sending the cookie, and the header (which a cross-site form cannot set) is the second lock.
 */
export async function authenticateOperator(
  request: OperatorRequest,
  services: { keyView: KeyView; dashboardSessions?: DashboardSessions },
  capability: OperatorCapability,
): Promise<KeyRecord> {
  const key = (await sessionKey(request, services)) ?? (await authenticate(request.headers, services.keyView)).key;
  if (!roleGrants(key.role, capability)) throw new GatewayError('permission_denied', `This endpoint needs ${capabilityNames[capability]}.`);
  return key;
}

/**
 * The key of the request's dashboard session, when it has no credential header but a session cookie, and
 * the request comes from the dashboard's own origin.
 */
async function sessionKey(request: OperatorRequest, services: { dashboardSessions?: DashboardSessions }): Promise<KeyRecord | undefined> {
  if (!services.dashboardSessions || presentedCredential(request.headers) !== undefined || request.headers['x-sluice-token'] !== undefined) return undefined;
  if (fromAnotherOrigin(request.headers)) return undefined;
  const token = readSessionToken(request.headers);
  if (token === undefined) return undefined;
  const key = await services.dashboardSessions.keyFor(token);
  if (!key) throw new GatewayError('invalid_session', 'The dashboard session has expired or was logged out; log in again.');
  if (key.revokedAt !== null) throw new GatewayError('revoked_api_key', 'This gateway API key has been revoked.');
  if (!readOnlyMethods.has(request.method.toUpperCase()) && request.headers[csrfHeaderName] !== '1') {
    throw new GatewayError('csrf_header_missing', `A change made with the dashboard's session cookie must carry the header \`${csrfHeaderName}: 1\`.`);
  }
  return key;
}
