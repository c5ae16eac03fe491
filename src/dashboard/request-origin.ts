import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether a browser sent this request from a page of another origin. SameSite=Strict lets the cookie travel
 * on requests from the same *site*, which includes another port of the same host (a dev server on
 * 127.0.0.1:3000 next to Sluice on 127.0.0.1:8422), and CORS lets localhost pages read answers with
 * credentials; so the cookie only counts from the dashboard's own origin. `Sec-Fetch-Site` is set by the
 * browser and cannot be forged by a page; without it (older browsers) `Origin` must name this host.
 * Clients that are not browsers send neither, and are not affected.
 */
export function fromAnotherOrigin(headers: IncomingHttpHeaders): boolean {
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string') return site !== 'same-origin' && site !== 'none';
  const origin = headers.origin;
  if (typeof origin !== 'string') return false;
  try {
    return new URL(origin).host !== headers.host;
  } catch {
    return true;
  }
}
