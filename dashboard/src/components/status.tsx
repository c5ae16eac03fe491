import type { Loaded } from '../use-api.js';

/** Loading and error lines for a fetched section; renders nothing once data is there. */
export function LoadStatus(props: { state: Loaded<unknown>; what: string }) {
  if (props.state.error) return <p class="error" role="alert">Could not load {props.what}: {props.state.error.message}</p>;
  if (props.state.loading && props.state.data === undefined) return <p class="muted">Loading {props.what}…</p>;
  return null;
}
