import type { DialectName } from '../domain/dialect-name.js';
import { GatewayError } from '../errors/gateway-error.js';

/**
 * A group's contract names the caller shapes it serves (`clients:`): a call in another shape is refused
 * with a 400 naming the allowed ones, before anything is charged or called. The group's targets could
 * often serve it by translation; the operator chose not to (a coding-agent group tested through the
 * Messages API, say), and a caller is better told than silently given a different experience.
 */
export function refuseGroupClient(group: { name: string; clients: ReadonlySet<DialectName> | undefined }, shape: DialectName): void {
  if (group.clients === undefined || group.clients.has(shape)) return;
  throw new GatewayError(
    'client_not_allowed',
    `The model group '${group.name}' does not accept ${shape} calls; it accepts ${[...group.clients].join(', ')}.`,
    { param: 'model' },
  );
}
