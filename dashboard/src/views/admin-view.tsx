import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Drawer } from '../components/drawer.js';
import { Pills } from '../components/pills.js';
import { SortableTable } from '../components/sortable-table.js';
import { LoadStatus } from '../components/status.js';
import type { AdminKey, AdminPrincipal, ProviderKeySource } from '../contract.js';
import { dateTime } from '../format.js';
import { useApi } from '../use-api.js';
import { limitDraft, LimitsFields, limitsFromDraft, limitsSummary, modelList, type LimitDraft } from './limits-fields.js';

type AdminSection = 'keys' | 'principals' | 'providers';
const roles = ['user', 'analytics', 'metrics', 'admin'] as const;

/** Key, user, team and provider-key management (admin keys only; the page hides it from analytics keys). */
export function AdminView() {
  const [section, setSection] = useState<AdminSection>('keys');
  return (
    <div class="view" data-testid="admin-view">
      <Pills
        label="Manage"
        options={[
          { value: 'keys', label: 'Keys' },
          { value: 'principals', label: 'Users & teams' },
          { value: 'providers', label: 'Provider keys' },
        ]}
        selected={section}
        onSelect={setSection}
      />
      {section === 'keys' && <KeysSection />}
      {section === 'principals' && <PrincipalsSection />}
      {section === 'providers' && <ProviderKeysSection />}
    </div>
  );
}

function KeysSection() {
  const [version, setVersion] = useState(0);
  const [editing, setEditing] = useState<AdminKey | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const keys = useApi<{ data: AdminKey[] }>('/admin/keys', version);
  const refresh = () => setVersion(version + 1);
  const revoke = async (key: AdminKey) => {
    if (!window.confirm(`Revoke the key '${key.name}'? Calls with it will be refused at once.`)) return;
    try {
      await api(`/admin/keys/${encodeURIComponent(key.id)}/revoke`, { method: 'POST', body: {} });
      setMessage(`Revoked '${key.name}'.`);
      refresh();
    } catch (error) {
      setMessage(`Could not revoke '${key.name}': ${(error as Error).message}`);
    }
  };
  return (
    <>
      <IssueKeyForm onIssued={refresh} />
      <section class="panel">
        <h2>Keys</h2>
        {message && (
          <p role="status" data-testid="keys-message">
            {message}
          </p>
        )}
        <LoadStatus state={keys} what="keys" />
        {keys.data && (
          <SortableTable
            rows={keys.data.data}
            rowKey={(key) => key.id}
            initialSort={{ column: 'created', descending: true }}
            columns={[
              { id: 'name', label: 'Name', sortValue: (key) => key.name, render: (key) => <span data-key-name={key.name}>{key.name} <code class="small muted">{key.hint}</code></span> },
              { id: 'role', label: 'Role', sortValue: (key) => key.role, render: (key) => key.role },
              { id: 'owner', label: 'User / team', sortValue: (key) => key.userName, render: (key) => `${key.userName ?? '—'} / ${key.teamName ?? '—'}` },
              { id: 'models', label: 'Models', render: (key) => key.allowedModels?.join(', ') ?? 'any' },
              { id: 'limits', label: 'Limits', render: (key) => limitsSummary(key.limits) },
              { id: 'created', label: 'Created', sortValue: (key) => key.createdAt, render: (key) => <span class="nowrap">{dateTime(new Date(key.createdAt).toISOString())}</span> },
              {
                id: 'state',
                label: 'State',
                sortValue: (key) => key.revokedAt ?? 0,
                render: (key) => (key.revokedAt === null ? 'active' : <span class="badge badge-revoked">revoked</span>),
              },
              {
                id: 'actions',
                label: '',
                render: (key) =>
                  key.revokedAt === null && (
                    <span class="actions">
                      <button type="button" class="link" onClick={() => setEditing(key)}>
                        Edit
                      </button>
                      <button type="button" class="link danger" aria-label={`Revoke ${key.name}`} onClick={() => void revoke(key)}>
                        Revoke
                      </button>
                    </span>
                  ),
              },
            ]}
          />
        )}
      </section>
      {editing && (
        <EditKeyDrawer
          gatewayKey={editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            refresh();
          }}
        />
      )}
    </>
  );
}

function IssueKeyForm(props: { onIssued: () => void }) {
  const [name, setName] = useState('');
  const [userName, setUserName] = useState('');
  const [teamName, setTeamName] = useState('');
  const [role, setRole] = useState<(typeof roles)[number]>('user');
  const [models, setModels] = useState('');
  const [limits, setLimits] = useState<LimitDraft>(limitDraft());
  const [issued, setIssued] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const answer = await api<{ token: string; key: AdminKey }>('/admin/keys', {
        method: 'POST',
        body: { name: name.trim(), userName: userName.trim() || null, teamName: teamName.trim() || null, role, allowedModels: modelList(models), limits: limitsFromDraft(limits) },
      });
      setIssued({ name: answer.key.name, token: answer.token });
      setName('');
      props.onIssued();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <section class="panel">
      <h2>Issue a key</h2>
      {issued && (
        <div class="token-once" role="status" data-testid="issued-token">
          <p>
            The key <strong>{issued.name}</strong> — copy it now, it is shown only once:
          </p>
          <code class="token">{issued.token}</code>
          <div class="actions">
            <button type="button" class="secondary" onClick={() => void navigator.clipboard?.writeText(issued.token)}>
              Copy
            </button>
            <button type="button" class="secondary" onClick={() => setIssued(null)}>
              Done
            </button>
          </div>
        </div>
      )}
      <form class="form-grid" onSubmit={(event) => void submit(event)}>
        <label>
          Name
          <input name="name" required value={name} onInput={(event) => setName((event.target as HTMLInputElement).value)} />
        </label>
        <label>
          User
          <input name="userName" value={userName} onInput={(event) => setUserName((event.target as HTMLInputElement).value)} />
        </label>
        <label>
          Team
          <input name="teamName" value={teamName} onInput={(event) => setTeamName((event.target as HTMLInputElement).value)} />
        </label>
        <label>
          Role
          <select name="role" value={role} onChange={(event) => setRole((event.target as HTMLSelectElement).value as (typeof roles)[number])}>
            {roles.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </label>
        <label class="wide">
          Allowed models (comma-separated; empty: any)
          <input name="allowedModels" value={models} onInput={(event) => setModels((event.target as HTMLInputElement).value)} />
        </label>
        <LimitsFields draft={limits} onChange={setLimits} />
        {error && (
          <p class="error wide" role="alert">
            {error}
          </p>
        )}
        <div class="wide">
          <button type="submit">Issue key</button>
        </div>
      </form>
    </section>
  );
}

function EditKeyDrawer(props: { gatewayKey: AdminKey; onClose: () => void; onSaved: () => void }) {
  const key = props.gatewayKey;
  const [userName, setUserName] = useState(key.userName ?? '');
  const [teamName, setTeamName] = useState(key.teamName ?? '');
  const [role, setRole] = useState(key.role);
  const [models, setModels] = useState(key.allowedModels?.join(', ') ?? '');
  const [limits, setLimits] = useState<LimitDraft>(limitDraft(key.limits));
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await api(`/admin/keys/${encodeURIComponent(key.id)}`, {
        method: 'PATCH',
        body: { userName: userName.trim() || null, teamName: teamName.trim() || null, role, allowedModels: modelList(models), limits: limitsFromDraft(limits, key.limits) },
      });
      props.onSaved();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <Drawer title={`Edit key ${key.name}`} onClose={props.onClose}>
      <form class="form-grid" onSubmit={(event) => void submit(event)}>
        <label>
          User
          <input name="userName" value={userName} onInput={(event) => setUserName((event.target as HTMLInputElement).value)} />
        </label>
        <label>
          Team
          <input name="teamName" value={teamName} onInput={(event) => setTeamName((event.target as HTMLInputElement).value)} />
        </label>
        <label>
          Role
          <select name="role" value={role} onChange={(event) => setRole((event.target as HTMLSelectElement).value as (typeof roles)[number])}>
            {roles.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </label>
        <label class="wide">
          Allowed models (comma-separated; empty: any)
          <input name="allowedModels" value={models} onInput={(event) => setModels((event.target as HTMLInputElement).value)} />
        </label>
        <LimitsFields draft={limits} onChange={setLimits} />
        {error && (
          <p class="error wide" role="alert">
            {error}
          </p>
        )}
        <div class="wide">
          <button type="submit">Save</button>
        </div>
      </form>
    </Drawer>
  );
}

function PrincipalsSection() {
  const [version, setVersion] = useState(0);
  const users = useApi<{ data: AdminPrincipal[] }>('/admin/users', version);
  const teams = useApi<{ data: AdminPrincipal[] }>('/admin/teams', version);
  return (
    <>
      <PrincipalForm onSaved={() => setVersion(version + 1)} />
      {(['user', 'team'] as const).map((kind) => {
        const state = kind === 'user' ? users : teams;
        return (
          <section class="panel" key={kind}>
            <h2>{kind === 'user' ? 'Users' : 'Teams'}</h2>
            <LoadStatus state={state} what={`${kind}s`} />
            {state.data && (
              <SortableTable
                rows={state.data.data}
                rowKey={(principal) => principal.name}
                initialSort={{ column: 'name', descending: false }}
                empty={`No ${kind} has settings of its own yet.`}
                columns={[
                  { id: 'name', label: 'Name', sortValue: (principal) => principal.name, render: (principal) => principal.name },
                  { id: 'limits', label: 'Limits', render: (principal) => limitsSummary(principal.limits) },
                  ...(kind === 'team' ? [{ id: 'models', label: 'Models', render: (principal: AdminPrincipal) => principal.allowedModels?.join(', ') ?? 'any' }] : []),
                ]}
              />
            )}
          </section>
        );
      })}
    </>
  );
}

function PrincipalForm(props: { onSaved: () => void }) {
  const [kind, setKind] = useState<'user' | 'team'>('team');
  const [name, setName] = useState('');
  const [models, setModels] = useState('');
  const [limits, setLimits] = useState<LimitDraft>(limitDraft());
  const [status, setStatus] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      const body = kind === 'team' ? { limits: limitsFromDraft(limits), allowedModels: modelList(models) } : { limits: limitsFromDraft(limits) };
      await api(`/admin/${kind}s/${encodeURIComponent(name.trim())}`, { method: 'PUT', body });
      setStatus(`Saved ${kind} '${name.trim()}'.`);
      props.onSaved();
    } catch (failure) {
      setStatus(`Could not save: ${(failure as Error).message}`);
    }
  };
  return (
    <section class="panel">
      <h2>Set a user's or team's limits</h2>
      <form class="form-grid" onSubmit={(event) => void submit(event)}>
        <label>
          Kind
          <select name="kind" value={kind} onChange={(event) => setKind((event.target as HTMLSelectElement).value as 'user' | 'team')}>
            <option value="team">team</option>
            <option value="user">user</option>
          </select>
        </label>
        <label>
          Name
          <input name="principalName" required value={name} onInput={(event) => setName((event.target as HTMLInputElement).value)} />
        </label>
        {kind === 'team' && (
          <label class="wide">
            Allowed models (comma-separated; empty: any)
            <input name="teamModels" value={models} onInput={(event) => setModels((event.target as HTMLInputElement).value)} />
          </label>
        )}
        <LimitsFields draft={limits} onChange={setLimits} />
        {status && (
          <p class="wide" role="status">
            {status}
          </p>
        )}
        <div class="wide">
          <button type="submit">Save</button>
        </div>
      </form>
    </section>
  );
}

const sourceText: Record<ProviderKeySource['source'], string> = {
  config: 'from the config file',
  env: 'from an environment variable',
  stored: 'stored, encrypted',
  none: 'none (callers may bring their own)',
  notNeeded: 'not needed',
};

function ProviderKeysSection() {
  const [version, setVersion] = useState(0);
  const [provider, setProvider] = useState('');
  const [secret, setSecret] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const providers = useApi<{ data: ProviderKeySource[] }>('/admin/provider-keys', version);
  const store = async (event: Event) => {
    event.preventDefault();
    try {
      await api(`/admin/provider-keys/${encodeURIComponent(provider)}`, { method: 'PUT', body: { key: secret } });
      setSecret('');
      setStatus(`Stored an encrypted key for ${provider}.`);
      setVersion(version + 1);
    } catch (failure) {
      setStatus(`Could not store the key: ${(failure as Error).message}`);
    }
  };
  const remove = async (name: string) => {
    if (!window.confirm(`Remove the stored key for ${name}?`)) return;
    try {
      await api(`/admin/provider-keys/${encodeURIComponent(name)}`, { method: 'DELETE' });
      setStatus(`Removed the stored key for ${name}.`);
      setVersion(version + 1);
    } catch (failure) {
      setStatus(`Could not remove the key: ${(failure as Error).message}`);
    }
  };
  return (
    <>
      <section class="panel">
        <h2>Provider keys</h2>
        <p class="muted small">A stored key is never shown again; only where each provider's key comes from. A key from the config or the environment wins over a stored one.</p>
        {status && <p role="status">{status}</p>}
        <LoadStatus state={providers} what="providers" />
        {providers.data && (
          <SortableTable
            rows={providers.data.data}
            rowKey={(row) => row.provider}
            initialSort={{ column: 'provider', descending: false }}
            columns={[
              { id: 'provider', label: 'Provider', sortValue: (row) => row.provider, render: (row) => row.provider },
              { id: 'kind', label: 'Kind', sortValue: (row) => row.kind, render: (row) => row.kind },
              { id: 'source', label: 'Key', sortValue: (row) => row.source, render: (row) => (row.source === 'env' && row.envKeyName ? `${sourceText.env} (${row.envKeyName})` : sourceText[row.source]) },
              { id: 'stored', label: 'Stored', sortValue: (row) => row.storedAt, render: (row) => (row.storedAt === null ? '—' : dateTime(new Date(row.storedAt).toISOString())) },
              {
                id: 'actions',
                label: '',
                render: (row) =>
                  row.stored && (
                    <button type="button" class="link danger" onClick={() => void remove(row.provider)}>
                      Remove stored key
                    </button>
                  ),
              },
            ]}
          />
        )}
      </section>
      <section class="panel">
        <h2>Store a provider key</h2>
        <form class="form-grid" onSubmit={(event) => void store(event)} autocomplete="off">
          <label>
            Provider
            <select name="provider" required value={provider} onChange={(event) => setProvider((event.target as HTMLSelectElement).value)}>
              <option value="">choose…</option>
              {providers.data?.data.map((row) => (
                <option key={row.provider} value={row.provider}>
                  {row.provider}
                </option>
              ))}
            </select>
          </label>
          <label class="wide">
            API key
            <input name="providerKey" type="password" required autocomplete="new-password" value={secret} onInput={(event) => setSecret((event.target as HTMLInputElement).value)} />
          </label>
          <div class="wide">
            <button type="submit">Store encrypted</button>
          </div>
        </form>
      </section>
    </>
  );
}
