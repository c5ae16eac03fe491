/**
 * Governed content capture for one key, team or model group (issue 22 §2): the share of its calls whose
 * request and answer are kept, for how long, and how much of each. A key, team or group with settings is
 * also *allowed* to capture: a call from it that sends `x-sluice-capture: true` is kept whatever the sample.
 * Unset fields take the config's `capture` defaults.
 */
export interface CaptureSettings {
  /** 0 to 1: the share of calls kept (0: only calls that ask with `x-sluice-capture: true`). */
  sample: number;
  /** Days a capture is kept before retention deletes it. */
  retainDays?: number;
  /** The most of the request body, and of the answer, kept (bytes each); more is cut and marked truncated. */
  maxBytes?: number;
}

/** Settings with every field decided: what a sampled call is kept with. */
export type ResolvedCaptureSettings = Required<CaptureSettings>;

/** Whether a value read back from the store (JSON) is capture settings; anything else counts as none. */
export function isCaptureSettings(value: unknown): value is CaptureSettings {
  if (value === null || typeof value !== 'object') return false;
  const settings = value as Record<string, unknown>;
  return (
    typeof settings.sample === 'number' &&
    (settings.retainDays === undefined || typeof settings.retainDays === 'number') &&
    (settings.maxBytes === undefined || typeof settings.maxBytes === 'number')
  );
}
