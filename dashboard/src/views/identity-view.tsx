import type { ComponentChild } from 'preact';
import { Pills } from '../components/pills.js';
import { SortableTable, type Column } from '../components/sortable-table.js';
import { LoadStatus } from '../components/status.js';
import type { IdentityAnswer, KeyRow, Measures, Quota, TeamRow, UserRow } from '../contract.js';
import { compact, count, dateTime, percent, usd } from '../format.js';
import { scopeQuery, type IdentityFilter, type Scope } from '../scope.js';
import { useApi } from '../use-api.js';

export type IdentityScope = 'all' | 'team' | 'user' | 'key';

interface IdentityViewProps {
  scope: Scope;
  show: IdentityScope;
  onShow: (show: IdentityScope) => void;
  /** Scopes Cost and Activity to one identity (the removable chip). */
  onFilter: (filter: IdentityFilter) => void;
}

/** Spend per team (with its users inline), per user and per key, with budgets and the top spender. */
export function IdentityView(props: IdentityViewProps) {
  // Identities are listed over the window alone: the chip is what this view sets, not what it obeys.
  const windowOnly: Scope = { window: props.scope.window, identity: null };
  return (
    <div class="view" data-testid="identity-view">
      <Pills
        label="Scope"
        options={[
          { value: 'all', label: 'All' },
          { value: 'team', label: 'Per team' },
          { value: 'user', label: 'Per user' },
          { value: 'key', label: 'Per key' },
        ]}
        selected={props.show}
        onSelect={props.onShow}
      />
      {(props.show === 'all' || props.show === 'team') && <TeamSection scope={windowOnly} onFilter={props.onFilter} />}
      {(props.show === 'all' || props.show === 'user') && <UserSection scope={windowOnly} onFilter={props.onFilter} />}
      {(props.show === 'all' || props.show === 'key') && <KeySection scope={windowOnly} onFilter={props.onFilter} />}
    </div>
  );
}

function TeamSection(props: { scope: Scope; onFilter: (filter: IdentityFilter) => void }) {
  const teams = useApi<IdentityAnswer<TeamRow>>(`/analytics/by_team?${scopeQuery(props.scope)}`);
  return (
    <section class="panel" data-testid="teams">
      <h2>Teams</h2>
      <LoadStatus state={teams} what="teams" />
      {teams.data?.top && <TopCallout title="Top team" name={teams.data.top.name ?? '(no team)'} share={teams.data.top.share} />}
      {teams.data && (
        <SortableTable
          rows={teams.data.data}
          rowKey={(row) => row.team ?? '(none)'}
          initialSort={{ column: 'cost', descending: true }}
          expansion={(row) => (row.by_user.length > 0 ? <TeamUsers users={row.by_user} /> : null)}
          columns={[
            nameColumn<TeamRow>('Team', (row) => row.team, '(no team)'),
            ...measureColumns<TeamRow>(),
            quotaColumn<TeamRow>(),
            filterColumn<TeamRow>((row) => (row.team === null ? null : { param: 'team', value: row.team, label: `team ${row.team}` }), props.onFilter),
          ]}
        />
      )}
    </section>
  );
}

function TeamUsers(props: { users: Array<Measures & { user: string | null }> }) {
  return (
    <div class="nested" data-testid="team-users">
      <SortableTable
        rows={props.users}
        rowKey={(row) => row.user ?? '(none)'}
        initialSort={{ column: 'cost', descending: true }}
        columns={[nameColumn<Measures & { user: string | null }>('User', (row) => row.user, '(no user)'), ...measureColumns<Measures & { user: string | null }>()]}
      />
    </div>
  );
}

function UserSection(props: { scope: Scope; onFilter: (filter: IdentityFilter) => void }) {
  const users = useApi<IdentityAnswer<UserRow>>(`/analytics/by_user?${scopeQuery(props.scope)}`);
  return (
    <section class="panel" data-testid="users">
      <h2>Users</h2>
      <LoadStatus state={users} what="users" />
      {users.data?.top && <TopCallout title="Top developer" name={users.data.top.name ?? '(no user)'} share={users.data.top.share} />}
      {users.data && (
        <SortableTable
          rows={users.data.data}
          rowKey={(row) => row.user ?? '(none)'}
          initialSort={{ column: 'cost', descending: true }}
          columns={[
            nameColumn<UserRow>('User', (row) => row.user, '(no user)'),
            { id: 'team', label: 'Team', sortValue: (row) => row.team, render: (row) => row.team ?? '—' },
            ...measureColumns<UserRow>(),
            quotaColumn<UserRow>(),
            filterColumn<UserRow>((row) => (row.user === null ? null : { param: 'user', value: row.user, label: `user ${row.user}` }), props.onFilter),
          ]}
        />
      )}
    </section>
  );
}

function KeySection(props: { scope: Scope; onFilter: (filter: IdentityFilter) => void }) {
  const keys = useApi<IdentityAnswer<KeyRow>>(`/analytics/by_key?${scopeQuery(props.scope)}`);
  return (
    <section class="panel" data-testid="keys">
      <h2>Keys</h2>
      <LoadStatus state={keys} what="keys" />
      {keys.data?.top && <TopCallout title="Top key" name={keys.data.top.name ?? '(no key)'} share={keys.data.top.share} />}
      {keys.data && (
        <SortableTable
          rows={keys.data.data}
          rowKey={(row) => row.key_id ?? '(none)'}
          initialSort={{ column: 'cost', descending: true }}
          columns={[
            {
              id: 'name',
              label: 'Key',
              sortValue: (row) => row.key_name,
              render: (row) => (
                <>
                  {row.key_name ?? <span class="muted">(no key)</span>}
                  {row.revoked && <span class="badge badge-revoked">revoked</span>}
                </>
              ),
            },
            { id: 'owner', label: 'User / team', sortValue: (row) => row.user, render: (row) => `${row.user ?? '—'} / ${row.team ?? '—'}` },
            ...measureColumns<KeyRow>(),
            { id: 'last', label: 'Last call', sortValue: (row) => row.last_call_at, render: (row) => dateTime(row.last_call_at) },
            { id: 'dialects', label: 'API shapes', render: (row) => row.dialects.join(', ') || '—' },
            quotaColumn<KeyRow>(),
            filterColumn<KeyRow>((row) => (row.key_id === null ? null : { param: 'key', value: row.key_id, label: `key ${row.key_name ?? row.key_id}` }), props.onFilter),
          ]}
        />
      )}
    </section>
  );
}

function TopCallout(props: { title: string; name: string; share: number }) {
  return (
    <p class="callout" data-testid="top-callout">
      <strong>{props.title}:</strong> {props.name} holds {percent(props.share)} of the window's spend.
    </p>
  );
}

function nameColumn<Row>(label: string, name: (row: Row) => string | null, none: string): Column<Row> {
  return { id: 'name', label, sortValue: name, render: (row) => name(row) ?? <span class="muted">{none}</span> };
}

function measureColumns<Row extends Measures>(): Array<Column<Row>> {
  return [
    { id: 'calls', label: 'Calls', numeric: true, sortValue: (row) => row.calls, render: (row) => count(row.calls) },
    { id: 'tokens', label: 'Tokens', numeric: true, sortValue: (row) => row.input_tokens + row.output_tokens, render: (row) => compact(row.input_tokens + row.output_tokens) },
    { id: 'errors', label: 'Errors', numeric: true, sortValue: (row) => row.errors, render: (row) => count(row.errors) },
    { id: 'cost', label: 'Spend', numeric: true, sortValue: (row) => row.cost_usd, render: (row) => usd(row.cost_usd) },
  ];
}

function quotaColumn<Row extends { quota: Quota | null }>(): Column<Row> {
  return { id: 'quota', label: 'Quota', sortValue: (row) => row.quota?.spent_usd ?? null, render: (row) => quotaText(row.quota) };
}

/** "used / cap (soft, hard)" for the budget's current period, or — when no budget applies. */
export function quotaText(quota: Quota | null): ComponentChild {
  if (!quota) return '—';
  const cap = quota.hard_usd ?? quota.soft_usd;
  const over = quota.hard_usd !== null && quota.spent_usd >= quota.hard_usd ? 'over' : quota.soft_usd !== null && quota.spent_usd >= quota.soft_usd ? 'warn' : undefined;
  return (
    <span class={over ? `quota quota-${over}` : 'quota'}>
      {usd(quota.spent_usd)} / {cap === null ? '—' : usd(cap)} <span class="muted">(soft {usd(quota.soft_usd)}, hard {usd(quota.hard_usd)}) per {quota.period}</span>
    </span>
  );
}

function filterColumn<Row>(filterFor: (row: Row) => IdentityFilter | null, onFilter: (filter: IdentityFilter) => void): Column<Row> {
  return {
    id: 'filter',
    label: '',
    render: (row) => {
      const filter = filterFor(row);
      return filter ? (
        <button type="button" class="link" title={`Show Cost and Activity for ${filter.label} only`} onClick={() => onFilter(filter)}>
          Filter
        </button>
      ) : null;
    },
  };
}
