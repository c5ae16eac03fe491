import { GatewayError } from '../../errors/gateway-error.js';

/** How much of a caller's parameter name an error echoes: enough to recognise a typo, never a whole query. */
const longestEchoedName = 64;
/** How many unknown names an error lists before it only counts the rest. */
const mostNamesListed = 5;

/**
 * Refuses a query string that names a parameter the route does not document, with a 400 naming it and
 * listing the accepted ones. Sluice's own endpoints (`/analytics/*`, `/admin/*`, `/v1/usage`) are ours, so
 * a name we do not know is a mistake, and ignoring it answers a different question than the one asked:
 * `gateway_key=…` for `key=…` used to return every key's spend as if filtered.
 */
export function refuseUnknownQueryParameters(query: unknown, accepted: readonly string[]): void {
  if (query === null || typeof query !== 'object') return;
  const unknown = Object.keys(query).filter((name) => !accepted.includes(name));
  if (unknown.length === 0) return;
  const echoed = unknown.map(echoedName);
  const listed = echoed
    .slice(0, mostNamesListed)
    .map((name) => `'${name}'`)
    .join(', ');
  const more = unknown.length > mostNamesListed ? ` and ${unknown.length - mostNamesListed} more` : '';
  const noun = unknown.length === 1 ? 'parameter' : 'parameters';
  const hint = accepted.length === 0 ? 'this endpoint takes none' : `accepted: ${accepted.join(', ')}`;
  throw new GatewayError('invalid_request', `Unknown query ${noun} ${listed}${more}; ${hint}.`, { param: echoed[0] });
}

function echoedName(name: string): string {
  return name.length > longestEchoedName ? `${name.slice(0, longestEchoedName)}…` : name;
}
