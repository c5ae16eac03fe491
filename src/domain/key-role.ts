/**
 * What a gateway key may do besides model calls. Every key may call models and read its own `/v1/usage`;
 * a role adds operator access:
 *
 * - `admin`: everything — key, user, team and provider-key management, analytics, metrics;
 * - `analytics`: read the analytics API and the dashboard, no management;
 * - `metrics`: scrape `/metrics` and read target health;
 * - `user`: an ordinary key, no operator access.
 */
export const keyRoles = ['user', 'admin', 'analytics', 'metrics'] as const;

export type KeyRole = (typeof keyRoles)[number];

/** An operator capability an endpoint needs. */
export type OperatorCapability = 'admin' | 'analytics' | 'metrics';

/** Whether a key of this role may use endpoints that need the capability (admin may use them all). */
export function roleGrants(role: KeyRole, capability: OperatorCapability): boolean {
  return role === 'admin' || role === capability;
}

export function isKeyRole(value: unknown): value is KeyRole {
  return typeof value === 'string' && (keyRoles as readonly string[]).includes(value);
}
