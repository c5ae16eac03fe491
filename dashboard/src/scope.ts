/** What every data view is scoped to: a time window, and optionally one identity (the filter chip). */

export const windowPresets = ['1h', '24h', '7d', '30d'] as const;

export type TimeWindow = { kind: 'preset'; value: (typeof windowPresets)[number] } | { kind: 'custom'; from: string; to: string };

/** The identity chosen with a Filter action on the Spend-by-identity view. */
export interface IdentityFilter {
  param: 'team' | 'user' | 'key';
  value: string;
  /** What the chip says (a key's name rather than its id). */
  label: string;
}

export interface Scope {
  window: TimeWindow;
  identity: IdentityFilter | null;
}

/** The query parameters of a scope, for any analytics endpoint. */
export function scopeQuery(scope: Scope, extra: Record<string, string | undefined> = {}): string {
  const query = new URLSearchParams();
  if (scope.window.kind === 'preset') query.set('window', scope.window.value);
  else {
    query.set('from', new Date(scope.window.from).toISOString());
    query.set('to', new Date(scope.window.to).toISOString());
  }
  if (scope.identity) query.set(scope.identity.param, scope.identity.value);
  for (const [name, value] of Object.entries(extra)) if (value !== undefined && value !== '') query.set(name, value);
  return query.toString();
}

export function windowLabel(window: TimeWindow): string {
  return window.kind === 'preset' ? `last ${window.value}` : `${window.from.replace('T', ' ')} – ${window.to.replace('T', ' ')}`;
}
