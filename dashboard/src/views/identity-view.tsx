import type { ComponentChild } from 'preact';
import { Pills } from '../components/pills.js';
import { SortableTable, type Column } from '../components/sortable-table.js';
import { LoadStatus } from '../components/status.js';
import type { IdentityAnswer, KeyRow, Measures, Quota, TeamRow, UserRow } from '../contract.js';
import { compact, count, dateTime, topShare, usd } from '../format.js';
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
          expansion={(row) => (row.by_user.length > 0 ? <TeamUsers users={row.by_user} onFilter={props.onFilter} /> : null)}
          columns={[
            nameColumn<TeamRow>('Team', (row) => row.team, '(no team)'),
            { id: 'users', label: 'Users', numeric: true, sortValue: (row) => row.users, render: (row) => count(row.users) },
            ...measureColumns<TeamRow>(),
            quotaColumn<TeamRow>(),
            filterColumn<TeamRow>((row) => (row.team === null ? null : { param: 'team', value: row.team, label: `team ${row.team}` }), props.onFilter),
          ]}
        />
      )}
    </section>
  );
}

type TeamUser = Measures & { user: string | null };

/** A team's users; each named one is a link scoping Cost and Activity to that user (the chip, as Filter sets it). */
function TeamUsers(props: { users: TeamUser[]; onFilter: (filter: IdentityFilter) => void }) {
  return (
    <div class="nested" data-testid="team-users">
      <SortableTable
        rows={props.users}
        rowKey={(row) => row.user ?? '(none)'}
        initialSort={{ column: 'cost', descending: true }}
        columns={[
          {
            id: 'name',
            label: 'User',
            sortValue: (row) => row.user,
            render: (row) => (row.user === null ? <span class="muted">(no user)</span> : <UserLink user={row.user} onFilter={props.onFilter} />),
          },
          ...measureColumns<TeamUser>(),
        ]}
      />
    </div>
  );
}

function UserLink(props: { user: string; onFilter: (filter: IdentityFilter) => void }) {
  const filter: IdentityFilter = { param: 'user', value: props.user, label: `user ${props.user}` };
  return (
    <a
      href="#/cost"
      title={`Show Cost and Activity for ${filter.label} only`}
      onClick={(event) => {
        // The filter is set before the view changes, so Cost loads once, already scoped.
        event.preventDefault();
        props.onFilter(filter);
      }}
    >
      {props.user}
    </a>
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
            { id: 'dialects', label: 'API shapes', render: (row) => dialectCallsText(row.calls_by_dialect) },
            quotaColumn<KeyRow>(),
            filterColumn<KeyRow>((row) => (row.key_id === null ? null : { param: 'key', value: row.key_id, label: `key ${row.key_name ?? row.key_id}` }), props.onFilter),
          ]}
        />
      )}
    </section>
  );
}

/** `openai-chat 60 · anthropic-messages 27`: each API shape with its calls, most first. */
function dialectCallsText(calls: KeyRow['calls_by_dialect']): string {
  return calls.map((entry) => `${entry.dialect} ${count(entry.calls)}`).join(' · ') || '—';
}

function TopCallout(props: { title: string; name: string; share: number }) {
  return (
    <p class="callout" data-testid="top-callout">
      <strong>{props.title}:</strong> {props.name} holds {topShare(props.share)} of the window's spend.
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
