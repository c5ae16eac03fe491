import type { IncomingHttpHeaders } from 'node:http';

/** The dashboard's session cookie. Its value is a random token; the store keeps only its SHA-256. */
export const sessionCookieName = 'sluice_session';

/** 32 random bytes in base64url, unpadded: exactly 43 characters of this alphabet. */
const sessionTokenShape = /^[A-Za-z0-9_-]{43}$/;

/**
 * The session token in the request's `cookie` header, if one of the right shape is there. Read by hand
 * (one cookie, one name) so the operator endpoints need no cookie plugin in front of them.
 */
export function readSessionToken(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator === -1 || part.slice(0, separator).trim() !== sessionCookieName) continue;
    const value = part.slice(separator + 1).trim();
    return sessionTokenShape.test(value) ? value : undefined;
  }
  return undefined;
}

/**
 * The `Set-Cookie` value for a session: HttpOnly (no script reads it), SameSite=Strict (no other site sends
 * it), Path=/ (the dashboard calls `/analytics/*` and `/admin/*`), Secure over HTTPS.
 */
export function sessionCookie(token: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  const attributes = [`${sessionCookieName}=${token}`, 'HttpOnly', 'SameSite=Strict', 'Path=/', `Max-Age=${options.maxAgeSeconds}`];
  if (options.secure) attributes.push('Secure');
  return attributes.join('; ');
}

/** The `Set-Cookie` value that removes the session cookie from the browser. */
export function clearedSessionCookie(options: { secure: boolean }): string {
  return sessionCookie('', { maxAgeSeconds: 0, secure: options.secure });
}
