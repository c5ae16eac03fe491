/**
 * A dashboard login: only the SHA-256 of the session token is stored (the token lives in the browser's
 * HttpOnly cookie), with the key it acts as and when it ends.
 */
export interface DashboardSession {
  /** SHA-256 hex of the session token. */
  tokenHash: string;
  keyId: string;
  createdAt: number;
  expiresAt: number;
}
