import type { IncomingHttpHeaders } from 'node:http';

const maximumTags = 20;
const maximumTagLength = 64;
const maximumRequesterLength = 256;

/** The free-form end user from `x-sluice-user`, else from the body. */
export function requesterOf(headers: IncomingHttpHeaders, bodyRequester: string | undefined): string | null {
  const header = headers['x-sluice-user'];
  const requester = typeof header === 'string' && header.length > 0 ? header : bodyRequester;
  return requester ? requester.slice(0, maximumRequesterLength) : null;
}

/** Tags from `x-sluice-tags: a,b,c`, trimmed, bounded in number and length. */
export function tagsOf(headers: IncomingHttpHeaders): string[] {
  const header = headers['x-sluice-tags'];
  if (typeof header !== 'string' || header.length === 0) return [];
  return header
    .split(',')
    .map((tag) => tag.trim().slice(0, maximumTagLength))
    .filter((tag) => tag.length > 0)
    .slice(0, maximumTags);
}
