/** An answer the gateway refused, with its status and error code (OpenAI's error shape). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

type SessionEndedListener = () => void;
const sessionEndedListeners = new Set<SessionEndedListener>();

/** Called when any request answers 401: the session expired, was logged out elsewhere, or its key revoked. */
export function onSessionEnded(listener: SessionEndedListener): () => void {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

/**
 * Calls the gateway with the session cookie (same origin). Changes carry `x-sluice-csrf: 1`, which the
 * gateway requires of cookie-authenticated writes.
 */
export async function api<T>(path: string, options: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-sluice-csrf'] = '1';
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    signal: options.signal,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const parsed: unknown = text.length > 0 ? safeParse(text) : undefined;
  if (!response.ok) {
    const error = (parsed as { error?: { message?: string; code?: string } } | undefined)?.error;
    if (response.status === 401 && !path.startsWith('/dashboard/login')) for (const listener of sessionEndedListeners) listener();
    throw new ApiError(response.status, error?.code, error?.message ?? `${response.status} ${response.statusText}`);
  }
  return parsed as T;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
