import { useState } from 'preact/hooks';
import { api } from './api.js';
import type { SessionInfo } from './contract.js';

/**
 * One password field for an admin or analytics key. The key goes to the gateway once, in the login
 * request; what comes back is an HttpOnly session cookie. The page never stores the key.
 */
export function Login(props: { onLoggedIn: (session: SessionInfo) => void; notice?: string }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await api<SessionInfo>('/dashboard/login', { method: 'POST', body: { key } });
      setKey('');
      props.onLoggedIn(session);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form class="login-box" onSubmit={(event) => void submit(event)}>
        <h1>Sluice</h1>
        <p class="muted">Log in with an admin or analytics key.</p>
        {props.notice && <p class="notice">{props.notice}</p>}
        <label>
          Gateway key
          <input name="key" type="password" autocomplete="current-password" placeholder="sk-sluice-…" required value={key} onInput={(event) => setKey((event.target as HTMLInputElement).value)} />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
