import { useState } from 'preact/hooks';
import { Drawer } from '../components/drawer.js';
import { SortableTable } from '../components/sortable-table.js';
import { LoadStatus } from '../components/status.js';
import { CapturedContent } from './captured-content.js';
import type { RequestDetail, RequestList, RequestRow } from '../contract.js';
import { compact, count, dateTime, milliseconds, usd } from '../format.js';
import { scopeQuery, type Scope } from '../scope.js';
import { useApi } from '../use-api.js';

const pageSize = 20;

interface RequestFilters {
  model: string;
  provider: string;
  user: string;
  team: string;
  requester: string;
  outcome: string;
  cached: string;
  status_code: string;
}

const noFilters: RequestFilters = { model: '', provider: '', user: '', team: '', requester: '', outcome: '', cached: '', status_code: '' };

/**
 * The request log, newest first: filters, pages by cursor, a Cached badge with the saving, and a detail
 * drawer, which shows a captured call's content to admin sessions (`canReadCaptures`).
 */
export function RequestsView(props: { scope: Scope; canReadCaptures: boolean }) {
  const [draft, setDraft] = useState<RequestFilters>(noFilters);
  const [filters, setFilters] = useState<RequestFilters>(noFilters);
  // Cursors of the pages before this one: "Newer" pops, "Older" pushes.
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [selected, setSelected] = useState<string | null>(null);
  // Open on a wide screen; on a phone the filters start folded so the log is what one sees first.
  const [filtersOpen] = useState(() => !window.matchMedia('(max-width: 640px)').matches);
  const cursor = cursors[cursors.length - 1];
  const list = useApi<RequestList>(`/analytics/requests?${scopeQuery(props.scope, { ...filters, limit: String(pageSize), cursor })}`);
  const apply = (next: RequestFilters) => {
    setFilters(next);
    setCursors([undefined]);
  };
  const field = (name: keyof RequestFilters, label: string) => (
    <label>
      {label}
      <input name={name} value={draft[name]} onInput={(event) => setDraft({ ...draft, [name]: (event.target as HTMLInputElement).value })} />
    </label>
  );
  return (
    <div class="view" data-testid="requests-view">
      <details class="filters-box" open={filtersOpen}>
        <summary>Filters{activeFilterCount(filters) > 0 ? ` (${activeFilterCount(filters)} on)` : ''}</summary>
        <form
          class="filters"
          onSubmit={(event) => {
            event.preventDefault();
            apply(draft);
          }}
        >
          {field('model', 'Model')}
          {field('provider', 'Provider')}
          {field('user', 'User')}
          {field('team', 'Team')}
          {field('requester', 'Requester')}
          <label>
            Outcome
            <select name="outcome" value={draft.outcome} onChange={(event) => setDraft({ ...draft, outcome: (event.target as HTMLSelectElement).value })}>
              <option value="">any</option>
              <option value="ok">ok</option>
              <option value="error">error</option>
              <option value="cancelled">cancelled</option>
            </select>
          </label>
          <label>
            Cached
            <select name="cached" value={draft.cached} onChange={(event) => setDraft({ ...draft, cached: (event.target as HTMLSelectElement).value })}>
              <option value="">any</option>
              <option value="true">cache hits</option>
              <option value="false">not cached</option>
            </select>
          </label>
          {field('status_code', 'Status')}
          <div class="filter-actions">
            <button type="submit">Apply</button>
            <button
              type="button"
              class="secondary"
              onClick={() => {
                setDraft(noFilters);
                apply(noFilters);
              }}
            >
              Clear
            </button>
          </div>
        </form>
      </details>
      <section class="panel">
        <LoadStatus state={list} what="requests" />
        {list.data && (
          <SortableTable
            rows={list.data.data}
            rowKey={(row) => row.id}
            onRowClick={(row) => setSelected(row.id)}
            empty="No requests match."
            columns={[
              { id: 'time', label: 'Time', sortValue: (row) => row.created_at, render: (row) => <span class="nowrap">{dateTime(row.created_at)}</span> },
              { id: 'who', label: 'Key · user · team', render: (row) => <Who row={row} /> },
              { id: 'model', label: 'Model', sortValue: (row) => row.served_model ?? row.requested_model, render: (row) => <ModelCell row={row} /> },
              { id: 'status', label: 'Status', sortValue: (row) => row.status_code, render: (row) => <StatusCell row={row} /> },
              { id: 'tokens', label: 'Tokens in / out', numeric: true, sortValue: (row) => row.input_tokens + row.output_tokens, render: (row) => `${compact(row.input_tokens)} / ${compact(row.output_tokens)}` },
              { id: 'cost', label: 'Cost', numeric: true, sortValue: (row) => row.cost_usd, render: (row) => <CostCell row={row} /> },
              { id: 'latency', label: 'Latency', numeric: true, sortValue: (row) => row.latency_ms, render: (row) => milliseconds(row.latency_ms) },
              { id: 'ttfb', label: 'TTFB', numeric: true, sortValue: (row) => row.ttfb_ms, render: (row) => milliseconds(row.ttfb_ms) },
            ]}
          />
        )}
        <nav class="pager" aria-label="Pages">
          <button type="button" class="secondary" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
            ← Newer
          </button>
          <span class="muted">Page {cursors.length}</span>
          <button type="button" class="secondary" disabled={!list.data?.next_cursor} onClick={() => list.data?.next_cursor && setCursors([...cursors, list.data.next_cursor])}>
            Older →
          </button>
        </nav>
      </section>
      {selected !== null && <RequestDrawer id={selected} canReadCaptures={props.canReadCaptures} onClose={() => setSelected(null)} />}
    </div>
  );
}

function activeFilterCount(filters: RequestFilters): number {
  return Object.values(filters).filter((value) => value !== '').length;
}

function Who(props: { row: RequestRow }) {
  const { row } = props;
  return (
    <span>
      {row.key_name ?? <span class="muted">(no key)</span>}
      <span class="meta">
        {row.user ?? '—'} · {row.team ?? '—'}
        {row.requester && ` · ${row.requester}`}
      </span>
    </span>
  );
}

function ModelCell(props: { row: RequestRow }) {
  const { row } = props;
  const served = row.served_model ?? row.requested_model;
  return (
    <span>
      {served ?? '—'}
      {row.requested_model && row.served_model && row.requested_model !== row.served_model && <span class="muted"> (asked {row.requested_model})</span>}
      <span class="meta">
        {row.provider ?? '—'} · {row.dialect}
        {row.stream ? ' · stream' : ''}
      </span>
    </span>
  );
}

function StatusCell(props: { row: RequestRow }) {
  const { row } = props;
  return (
    <span class={`status status-${row.outcome}`}>
      {row.status_code} {row.outcome}
      {row.error_code && <code class="small"> {row.error_code}</code>}
    </span>
  );
}

function CostCell(props: { row: RequestRow }) {
  const { row } = props;
  return (
    <span>
      {usd(row.cost_usd)}
      {row.billed_cost_usd !== null && (
        <span class="small" data-testid="billed-cost" title="The cost the upstream reported it billed">
          {' '}· billed {usd(row.billed_cost_usd)}
        </span>
      )}
      {row.cached && (
        <span class="badge badge-cached" data-testid="cached-badge" title="Answered from the response cache">
          Cached · saved {usd(row.saved_usd)}
        </span>
      )}
    </span>
  );
}

function RequestDrawer(props: { id: string; canReadCaptures: boolean; onClose: () => void }) {
  const detail = useApi<RequestDetail>(`/analytics/requests/${encodeURIComponent(props.id)}`);
  const request = detail.data;
  return (
    <Drawer title="Request" onClose={props.onClose}>
      <LoadStatus state={detail} what="the request" />
      {request && (
        <div data-testid="request-detail">
          <dl class="facts">
            <Fact term="Id" value={<code>{request.id}</code>} />
            <Fact term="Time" value={dateTime(request.created_at)} />
            <Fact term="Key" value={`${request.key_name ?? '—'} (${request.key_id ?? 'none'})`} />
            <Fact term="User · team" value={`${request.user ?? '—'} · ${request.team ?? '—'}`} />
            <Fact term="Requester" value={request.requester ?? '—'} />
            <Fact term="Tags" value={request.tags.length > 0 ? request.tags.join(', ') : '—'} />
            <Fact term="API shape" value={`${request.dialect}${request.stream ? ', streamed' : ''}`} />
            <Fact term="Model asked" value={request.requested_model ?? '—'} />
            <Fact term="Model served" value={`${request.served_model ?? '—'} by ${request.provider ?? '—'}`} />
            <Fact term="Reported model" value={request.reported_model ?? '—'} />
            <Fact term="Group · policy" value={`${request.group ?? '—'} · ${request.policy ?? '—'}`} />
            <Fact term="Status" value={<StatusCell row={request} />} />
            <Fact term="Tokens" value={`${count(request.input_tokens)} in${request.input_tokens_estimated ? ' (estimated)' : ''} · ${count(request.output_tokens)} out${request.output_tokens_estimated ? ' (estimated)' : ''} · ${count(request.cache_read_tokens)} cache read · ${count(request.cache_write_tokens)} cache write · ${count(request.reasoning_tokens)} reasoning`} />
            <Fact term="Images" value={request.image_count === 0 ? '—' : `${count(request.image_count)} sent${request.image_tokens > 0 ? ` · ${count(request.image_tokens)} image tokens` : ''}`} />
            <Fact term="Cost" value={<CostCell row={request} />} />
            <Fact term="Price" value={request.cached ? 'Answered from the response cache: no upstream call, no cost.' : (request.price.explanation ?? 'No price known for this model.')} />
            <Fact term="Price source" value={request.price.source ?? '—'} />
            <Fact term="Latency · TTFB" value={`${milliseconds(request.latency_ms)} · ${milliseconds(request.ttfb_ms)}`} />
            <Fact term="Queue wait" value={milliseconds(request.queue_wait_ms)} />
            <Fact term="Attempts" value={count(request.attempts)} />
          </dl>
          {request.attempt_trail.length > 0 && (
            <>
              <h3>Attempts</h3>
              <ol class="attempts">
                {request.attempt_trail.map((attempt, index) => (
                  <li key={index}>
                    <code>{attempt.target ?? `${attempt.provider}:${attempt.model}`}</code> → {attempt.status_code ?? '—'}
                    {attempt.error_code && ` ${attempt.error_code}`} in {milliseconds(attempt.duration_ms)}
                    {attempt.retry_after_ms !== null && `, retry after ${milliseconds(attempt.retry_after_ms)}`}
                  </li>
                ))}
              </ol>
            </>
          )}
        </div>
      )}
      {/* Not mounted for other roles, so they never ask: only admin keys may read captured content. */}
      {props.canReadCaptures && <CapturedContent requestId={props.id} />}
    </Drawer>
  );
}

function Fact(props: { term: string; value: preact.ComponentChild }) {
  return (
    <>
      <dt>{props.term}</dt>
      <dd>{props.value}</dd>
    </>
  );
}
