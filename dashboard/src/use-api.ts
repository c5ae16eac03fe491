import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
}

/**
 * Fetches `path` (null: nothing yet) and refetches when it or `version` changes; an answer that arrives
 * after a newer request started is dropped, so a quick change of window never shows stale figures.
 */
export function useApi<T>(path: string | null, version = 0): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: undefined, loading: path !== null });
  useEffect(() => {
    if (path === null) return;
    let current = true;
    setState((previous) => ({ ...previous, loading: true, error: undefined }));
    api<T>(path).then(
      (data) => current && setState({ data, error: undefined, loading: false }),
      (error: unknown) => current && setState({ data: undefined, error: error instanceof Error ? error : new Error(String(error)), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [path, version]);
  return state;
}
