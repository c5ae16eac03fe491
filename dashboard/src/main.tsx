import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, onSessionEnded } from './api.js';
import { App } from './app.js';
import type { SessionInfo } from './contract.js';
import { Login } from './login.js';

type Phase = { kind: 'checking' } | { kind: 'login'; notice?: string } | { kind: 'in'; session: SessionInfo };

/** Asks the gateway whether the browser's cookie still holds a session, then shows the login or the app. */
function Root() {
  const [phase, setPhase] = useState<Phase>({ kind: 'checking' });
  useEffect(() => {
    api<SessionInfo>('/dashboard/session').then(
      (session) => setPhase({ kind: 'in', session }),
      (error: unknown) => setPhase({ kind: 'login', notice: error instanceof ApiError && error.status === 401 ? undefined : String((error as Error).message) }),
    );
    return onSessionEnded(() => setPhase({ kind: 'login', notice: 'Your session has ended. Log in again.' }));
  }, []);
  const logout = async () => {
    try {
      await api('/dashboard/logout', { method: 'POST' });
    } finally {
      setPhase({ kind: 'login', notice: 'Logged out.' });
    }
  };
  if (phase.kind === 'checking') return <p class="muted center">Loading…</p>;
  if (phase.kind === 'login') return <Login notice={phase.notice} onLoggedIn={(session) => setPhase({ kind: 'in', session })} />;
  return <App session={phase.session} onLogout={() => void logout()} />;
}

render(<Root />, document.getElementById('app')!);
