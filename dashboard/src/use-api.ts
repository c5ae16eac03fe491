import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
}

/**
 * Fetches `path` (null: nothing yet) and refetches when it or `version` changes; an answer that arrives
 * after a newer request started is dropped, so a quick change of window never shows stale figures, and the
 * older request is aborted, so the gateway can drop work nobody reads (a compare still waiting its turn).
 */
export function useApi<T>(path: string | null, version = 0): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: undefined, loading: path !== null });
  useEffect(() => {
    if (path === null) return;
    let current = true;
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true, error: undefined }));
    api<T>(path, { signal: controller.signal }).then(
      (data) => current && setState({ data, error: undefined, loading: false }),
      (error: unknown) => current && setState({ data: undefined, error: error instanceof Error ? error : new Error(String(error)), loading: false }),
    );
    return () => {
      current = false;
      controller.abort();
    };
  }, [path, version]);
  return state;
}
