import { useState } from 'preact/hooks';
import { Pills } from './components/pills.js';
import type { SessionInfo } from './contract.js';
import { windowLabel, windowPresets, type IdentityFilter, type Scope, type TimeWindow } from './scope.js';
import { useHashRoute } from './use-hash-route.js';
import { ActivityView } from './views/activity-view.js';
import { AdminView } from './views/admin-view.js';
import { CompareView } from './views/compare-view.js';
import { CostView } from './views/cost-view.js';
import { IdentityView, type IdentityScope } from './views/identity-view.js';
import { RequestsView } from './views/requests-view.js';
import { RoutingView } from './views/routing-view.js';

const views = [
  { route: 'cost', label: 'Cost' },
  { route: 'activity', label: 'Activity' },
  { route: 'routing', label: 'Routing' },
  { route: 'identity', label: 'Spend by identity' },
  { route: 'requests', label: 'Requests' },
  { route: 'compare', label: 'Compare' },
  { route: 'admin', label: 'Admin', adminOnly: true },
] as const;

/** The logged-in page: navigation, the window and filter chip every data view shares, and the current view. */
export function App(props: { session: SessionInfo; onLogout: () => void }) {
  const isAdmin = props.session.role === 'admin';
  const visible = views.filter((view) => !('adminOnly' in view) || isAdmin);
  const [route, navigate, routeQuery] = useHashRoute('cost');
  const current = visible.find((view) => view.route === route) ?? visible[0]!;
  const [timeWindow, setTimeWindow] = useState<TimeWindow>({ kind: 'preset', value: '24h' });
  const [identity, setIdentity] = useState<IdentityFilter | null>(null);
  const [identityScope, setIdentityScope] = useState<IdentityScope>('all');
  const scope: Scope = { window: timeWindow, identity };
  const scoped = current.route === 'cost' || current.route === 'activity' || current.route === 'routing' || current.route === 'requests';
  return (
    <div class="shell">
      <header class="topbar">
        <strong class="brand">Sluice</strong>
        <nav class="tabs" aria-label="Views">
          {visible.map((view) => (
            <a key={view.route} href={`#/${view.route}`} aria-current={view.route === current.route ? 'page' : undefined}>
              {view.label}
            </a>
          ))}
        </nav>
        <span class="who">
          <span class="muted">
            {props.session.key_name} · {props.session.role}
          </span>
          <button type="button" class="secondary" onClick={props.onLogout}>
            Log out
          </button>
        </span>
      </header>
      {current.route !== 'admin' && (
        <div class="scopebar">
          <WindowPicker window={timeWindow} onChange={setTimeWindow} />
          {identity && scoped && (
            <span class="chip" data-testid="filter-chip">
              {identity.label}
              <button type="button" aria-label={`Remove the filter ${identity.label}`} onClick={() => setIdentity(null)}>
                ×
              </button>
            </span>
          )}
          <span class="muted small">{windowLabel(timeWindow)}</span>
        </div>
      )}
      <main class="content">
        <h1 class="view-title">{current.label}</h1>
        {current.route === 'cost' && <CostView scope={scope} />}
        {current.route === 'activity' && <ActivityView scope={scope} />}
        {current.route === 'routing' && <RoutingView scope={scope} />}
        {current.route === 'identity' && (
          <IdentityView
            scope={scope}
            show={identityScope}
            onShow={setIdentityScope}
            onFilter={(filter) => {
              setIdentity(filter);
              navigate('cost');
            }}
          />
        )}
        {current.route === 'requests' && <RequestsView scope={scope} canReadCaptures={isAdmin} />}
        {current.route === 'compare' && <CompareView scope={scope} query={routeQuery} onSelect={(query) => navigate('compare', query)} />}
        {current.route === 'admin' && isAdmin && <AdminView />}
      </main>
    </div>
  );
}

function WindowPicker(props: { window: TimeWindow; onChange: (window: TimeWindow) => void }) {
  const selected = props.window.kind === 'preset' ? props.window.value : 'custom';
  const [from, setFrom] = useState(() => localInput(Date.now() - 86_400_000));
  const [to, setTo] = useState(() => localInput(Date.now()));
  return (
    <div class="window-picker">
      <Pills
        label="Window"
        options={[...windowPresets.map((value) => ({ value, label: value })), { value: 'custom', label: 'Custom' }]}
        selected={selected}
        onSelect={(value) => (value === 'custom' ? props.onChange({ kind: 'custom', from, to }) : props.onChange({ kind: 'preset', value: value as (typeof windowPresets)[number] }))}
      />
      {props.window.kind === 'custom' && (
        <form
          class="custom-window"
          onSubmit={(event) => {
            event.preventDefault();
            props.onChange({ kind: 'custom', from, to });
          }}
        >
          <input type="datetime-local" aria-label="From" value={from} onInput={(event) => setFrom((event.target as HTMLInputElement).value)} />
          <input type="datetime-local" aria-label="To" value={to} onInput={(event) => setTo((event.target as HTMLInputElement).value)} />
          <button type="submit" class="secondary">
            Show
          </button>
        </form>
      )}
    </div>
  );
}

/** A time as a `datetime-local` input wants it, in the reader's zone. */
function localInput(time: number): string {
  const date = new Date(time - new Date(time).getTimezoneOffset() * 60_000);
  return date.toISOString().slice(0, 16);
}
